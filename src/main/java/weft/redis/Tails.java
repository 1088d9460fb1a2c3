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

    /**
     * The tail for a run, created at {@code tip} if there is none. From now on it gets the run's
     * events from wherever this instance hears of them; the reader reads the feed of a remote
     * run for it only once {@link #readFrom} has said where to start.
     */
    Tail watch(String runId, long tip) {
        return tails.computeIfAbsent(runId, id -> new Tail(id, local.contains(id), tip, wakeups));
    }

    /** A remote tail's run is marked watched: the reader reads its feed from {@code at} (if it is not read already). */
    void readFrom(Tail tail, StreamEntryID at, Runnable wakeReader) {
        tail.readFrom(at);
        version.incrementAndGet();
        synchronized (watchedChanged) {
            watchedChanged.notifyAll();
        }
        wakeReader.run();
    }

    /** A tail whose run could not be marked: the next follower makes a new one and tries again. */
    void drop(Tail tail) {
        tails.remove(tail.runId, tail);
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
        tails.putIfAbsent(runId, new Tail(runId, true, 0, wakeups));
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

    /** The tails the reader reads: remote runs, marked watched, that have not ended. */
    List<Tail> remote() {
        return tails.values().stream().filter(t -> !t.local && !t.ended() && t.feedFrom() != null).toList();
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
