package weft.redis;

import redis.clients.jedis.StreamEntryID;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/** The {@link Tail}s of the runs that followers on this instance wait for. */
final class Tails {
    /** A tail nobody has asked for this long is dropped (and its run no longer read). */
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final ConcurrentMap<String, Tail> tails = new ConcurrentHashMap<>();
    /** Runs whose events this instance writes. */
    private final Set<String> local = ConcurrentHashMap.newKeySet();
    private final Object watchedChanged = new Object();
    private final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();
    private volatile long lastSweepNanos = System.nanoTime();
    private final weft.store.Wakeups wakeups;

    Tails(weft.store.Wakeups wakeups) {
        this.wakeups = wakeups;
    }

    Optional<Tail> find(String runId) {
        return Optional.ofNullable(tails.get(runId));
    }

    /** The tail for a run, created at {@code tip} if there is none; a new remote one wakes the reader. */
    Tail watch(String runId, long tip, StreamEntryID feedFrom, Runnable wakeReader) {
        boolean[] created = {false};
        Tail tail = tails.computeIfAbsent(runId, id -> {
            created[0] = true;
            return new Tail(id, local.contains(id), tip, feedFrom, wakeups);
        });
        if (created[0] && !tail.local) {
            version.incrementAndGet();
            synchronized (watchedChanged) {
                watchedChanged.notifyAll();
            }
            wakeReader.run();
        }
        return tail;
    }

    void writesHere(String runId) {
        local.add(runId);
    }

    /**
     * A run that starts here gets its tail at once, empty: every event it holds comes from this
     * instance's writer, so a follower here starts on it without asking Redis what is stored.
     */
    void startsHere(String runId) {
        local.add(runId);
        tails.putIfAbsent(runId, new Tail(runId, true, 0, null, wakeups));
    }

    /** Whether this instance writes the run's events (it executes the run). */
    boolean writtenHere(String runId) {
        return local.contains(runId);
    }

    void writesEnded(String runId) {
        local.remove(runId);
    }

    /** Changes whenever a remote tail comes or goes, so the reader rebuilds its keys only then. */
    long version() {
        return version.get();
    }

    /** At most once a second: drops the tails nobody uses any more. */
    void sweepIdle() {
        if (System.nanoTime() - lastSweepNanos < 1_000_000_000L) return;
        lastSweepNanos = System.nanoTime();
        if (tails.values().removeIf(t -> t.unusedFor(IDLE_NANOS))) version.incrementAndGet();
    }

    /** The tails the reader reads: remote runs that have not ended. */
    List<Tail> remote() {
        return tails.values().stream().filter(t -> !t.local && !t.ended()).toList();
    }

    /** A tail has seen its run's done: the reader can stop reading it. */
    void ended() {
        version.incrementAndGet();
    }

    List<Tail> all() {
        return List.copyOf(tails.values());
    }

    /** For the reader when there is nothing to read: waits until a remote tail appears. */
    void awaitRemote(long millis) throws InterruptedException {
        synchronized (watchedChanged) {
            if (remote().isEmpty()) watchedChanged.wait(millis);
        }
    }
}
