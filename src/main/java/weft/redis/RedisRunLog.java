package weft.redis;

import weft.events.LoggedEvent;
import weft.events.RunEvent;
import weft.store.RunLog;
import weft.store.StoreUnavailable;

import java.util.concurrent.TimeUnit;

/**
 * A run's log as the instance that executes it writes it to Redis: numbers events, hands them
 * to the {@link EventWriter} and returns at once; {@link #sync} waits until Redis has them all.
 */
final class RedisRunLog implements RunLog {
    private static final long SYNC_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final String runId;
    private final EventWriter writer;
    /** Held while numbering and queueing an event, so the queue has them in order. */
    private final Object appending = new Object();
    private volatile long last;
    private long stored;
    private RuntimeException failure;
    private String takenOver;
    // stored, failure and takenOver are guarded by this; the writer updates them.

    /**
     * The feed that followers elsewhere read this run through, when it is not this instance's
     * (the run was taken over from an instance that stopped answering); null for this one's.
     */
    final String feed;
    /** The key of the run's stream, encoded once for the writer rather than per event. */
    final byte[] eventsKey;

    RedisRunLog(String runId, byte[] eventsKey, long last, EventWriter writer, String feed) {
        this.runId = runId;
        this.eventsKey = eventsKey;
        this.feed = feed;
        this.last = last;
        this.stored = last;
        this.writer = writer;
    }

    String runId() {
        return runId;
    }

    @Override
    public LoggedEvent append(RunEvent event) {
        synchronized (this) {
            if (takenOver != null) throw new IllegalStateException("run " + runId + " was ended elsewhere: " + takenOver);
        }
        synchronized (appending) {
            var logged = new LoggedEvent(last + 1, System.currentTimeMillis(), event, System.nanoTime());
            writer.enqueue(this, logged);
            last = logged.seq();
            return logged;
        }
    }

    @Override
    public long lastSeq() {
        return last;
    }

    @Override
    public synchronized void sync() throws InterruptedException {
        long remaining = SYNC_NANOS;
        while (stored < last) {
            if (takenOver != null) throw new IllegalStateException("run " + runId + " was ended elsewhere: " + takenOver);
            if (remaining <= 0) {
                throw failure instanceof StoreUnavailable down ? down
                        : new StoreUnavailable("Redis has not stored run " + runId + "'s events in time", failure);
            }
            long start = System.nanoTime();
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
            remaining -= System.nanoTime() - start;
        }
    }

    synchronized void stored(long seq) {
        stored = Math.max(stored, seq);
        failure = null;
        notifyAll();
    }

    synchronized void failed(RuntimeException why) {
        failure = why;
    }

    /** Another instance ended the run: nothing more of this instance's goes into its log. */
    synchronized void takenOver(String why) {
        if (takenOver == null) System.getLogger("weft").log(System.Logger.Level.WARNING, "run " + runId + ": " + why);
        takenOver = why;
        notifyAll();
    }
}
