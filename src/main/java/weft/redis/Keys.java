package weft.redis;

/**
 * Every key Weft writes, under one prefix ({@code WEFT_REDIS_PREFIX}, default {@code weft:}),
 * so several deployments can share a Redis and an operator sees at a glance what is Weft's.
 * Every key carries a time to live except the two indexes, whose members are removed with
 * the keys they name, and the shared signing keys, which must outlive whatever they signed.
 */
record Keys(String prefix) {
    /** Hash: a run's record. */
    String run(String runId) { return prefix + "run:" + runId; }

    /** Stream: a run's events, entry ids {@code 0-<seq>}. */
    String events(String runId) { return prefix + "events:" + runId; }

    /**
     * Stream: what an instance's writer has stored, one entry per batch, a field per run
     * holding its events' JSON lines; capped, the last hour's. Other instances read it to
     * follow that instance's runs live: one key per instance, not one per run.
     */
    String feed(String instance) { return prefix + "feed:" + instance; }

    /**
     * String: present while followers on another instance wait for a run's events live; the
     * run's writer puts its events on its feed only then. Set before those followers read the
     * run's stream, removed with the run's {@code done}, and it lapses with the running TTL.
     */
    String watched(String runId) { return prefix + "watched:" + runId; }

    /** Sorted set: running runs by lease expiry (epoch ms). */
    String leases() { return prefix + "leases"; }

    /** Sorted set: ended runs by end time, for the cap on retained runs. */
    String ended() { return prefix + "ended"; }

    /** Hash: a session's owner and creation time. */
    String session(String sessionId) { return prefix + "session:" + sessionId; }

    /** List: a session's messages as JSON. */
    String messages(String sessionId) { return prefix + "session:" + sessionId + ":messages"; }

    /** Sorted set: sessions by last use, for the cap on sessions. */
    String sessions() { return prefix + "sessions"; }

    /** String: the run that holds a session. */
    String lock(String sessionId) { return prefix + "lock:" + sessionId; }

    /** String: the run an idempotency key was first used for. */
    String idempotency(String subject, String key) {
        return prefix + "idem:" + subject.length() + ":" + subject + ":" + key;
    }

    /** Pub/sub channel: requests for the runs an instance executes. */
    String control(String instance) { return prefix + "control:" + instance; }

    /** String: a signing key every instance shares (base64), e.g. for stream tickets; no expiry. */
    String sharedKey(String name) { return prefix + "key:" + name; }

    /** List: the answer to one request sent on a control channel. */
    String reply(String requestId) { return prefix + "reply:" + requestId; }

    /** Hash: a user's token bucket of runs started ({@code t} tokens, {@code ts} last refill in epoch ms); lapses once full again. */
    String bucket(String limitKey) { return prefix + "rate:" + limitKey; }

    /** Sorted set: the holders of a user's places of a kind ({@code runs}, {@code streams}) by expiry (epoch ms). */
    String places(String kind, String limitKey) { return prefix + "places:" + kind + ":" + limitKey; }

    /** String: output tokens a user has used on a UTC day (days since the epoch); lapses two days later. */
    String tokens(String limitKey, long day) { return prefix + "tokens:" + day + ":" + limitKey; }
}
