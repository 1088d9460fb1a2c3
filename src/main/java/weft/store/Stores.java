package weft.store;

import java.util.Optional;

/**
 * Everything Weft keeps about runs and sessions, in one place so that {@code Main} picks
 * memory or Redis in one line and every part gets the same stores.
 *
 * @param counters the per-user limits' counters (runs started, places held, tokens used)
 * @param keys     signing keys every instance on these stores shares
 * @param health   says what is wrong with the stores, if anything ({@code /healthz} shows it)
 * @param counts   what they hold
 * @param sweep    forgets what has expired, for stores that do not expire entries themselves
 * @param close    lets go of connections and threads
 */
public record Stores(EventLog events, RunStore runs, SessionStore sessions, SessionLocks locks,
                     IdempotencyKeys idempotency, UserCounters counters, SharedKeys keys, Health health, Counts counts,
                     Runnable sweep, AutoCloseable close) {

    /** What the stores hold, for {@code /metrics}. */
    public interface Counts {
        /** Runs held: running, and ended within their retention. */
        long runs();

        long sessions();
    }

    /** What {@code /healthz} asks. */
    @FunctionalInterface
    public interface Health {
        /** Empty when the stores answer; else what is wrong, naming the store. */
        Optional<String> problem();
    }

    /** The limits of the embedded stores. */
    public record MemoryLimits(long runRetentionMillis, int maxRuns, long maxRunBytes,
                               long sessionTtlMillis, int maxSessions, long maxSessionBytes) {}

    /** Everything in this process's memory: the embedded default; {@code wakeups} end followers' waits. */
    public static Stores inMemory(MemoryLimits limits, Wakeups wakeups) {
        var events = new InMemoryEventLog(wakeups);
        var runs = new InMemoryRunStore(new InMemoryRunStore.Limits(limits.runRetentionMillis(), limits.maxRuns(),
                limits.maxRunBytes()), events::bytes, events::delete);
        var sessions = new InMemorySessionStore(new InMemorySessionStore.Limits(limits.sessionTtlMillis(),
                limits.maxSessions(), limits.maxSessionBytes()));
        var idempotency = new InMemoryIdempotencyKeys(limits.runRetentionMillis(), limits.maxRuns());
        var counters = new InMemoryUserCounters();
        var counts = new Counts() {
            public long runs() { return runs.retained(); }

            public long sessions() { return sessions.size(); }
        };
        return new Stores(events, runs, sessions, new InMemorySessionLocks(), idempotency, counters, new InMemorySharedKeys(),
                Optional::empty, counts, () -> {
                    runs.sweep();
                    sessions.sweep();
                    idempotency.sweep();
                    counters.sweep(System.currentTimeMillis());
                }, () -> { });
    }
}
