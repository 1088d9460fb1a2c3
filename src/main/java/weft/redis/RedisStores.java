package weft.redis;

import weft.config.Secrets;
import weft.runs.Peers;
import weft.store.Stores;

import java.time.Duration;

/**
 * Weft's stores in one Redis, shared by every instance that points at it. Nothing is
 * checked at start-up: a Redis that does not answer yet makes {@code /healthz} and new runs
 * answer {@code 503} until it does, so an orchestrator need not restart Weft.
 *
 * @param peers the other instances, reached through the same Redis
 */
public record RedisStores(Stores stores, Peers peers) {

    /**
     * How long things live in Redis.
     *
     * @param retention  ended runs (and idempotency keys)
     * @param runningTtl a running run's keys, renewed with its lease (the longest a run may run)
     */
    public record Limits(Duration retention, Duration runningTtl, Duration sessionTtl, int maxRuns, int maxSessions) {}

    /** @param secrets masked in every message about Redis, the password of {@code url} among them */
    public static RedisStores connect(String url, String prefix, String instance, Limits limits, Secrets secrets,
                                      weft.store.Wakeups wakeups) {
        var redis = new Redis(url, prefix, instance, secrets);
        var runs = new RedisRunStore(redis, limits.retention(), limits.runningTtl(), limits.maxRuns());
        var events = new RedisEventLog(redis, limits.runningTtl(), instance, wakeups);
        var sessions = new RedisSessionStore(redis, limits.sessionTtl(), limits.maxSessions());
        var peers = new RedisPeers(redis, instance);
        var counts = new Stores.Counts() {
            public long runs() { return safely(runs::retained); }

            public long sessions() { return safely(sessions::size); }
        };
        var stores = new Stores(events, runs, sessions, new RedisSessionLocks(redis, limits.runningTtl()),
                new RedisIdempotencyKeys(redis, limits.retention()), new RedisUserCounters(redis), new RedisSharedKeys(redis),
                redis::problem, counts, () -> {
                    runs.sweep();
                    sessions.sweep();
                }, () -> {
                    peers.close();
                    events.close();
                    redis.close();
                });
        return new RedisStores(stores, peers);
    }

    /** A count for /metrics; -1 while Redis does not answer. */
    private static long safely(java.util.function.LongSupplier count) {
        try {
            return count.getAsLong();
        } catch (RuntimeException unavailable) {
            return -1;
        }
    }
}
