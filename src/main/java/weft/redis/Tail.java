package weft.redis;

import redis.clients.jedis.StreamEntryID;
import weft.events.LoggedEvent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The newest stored events of one run that followers on this instance wait for. It is fed
 * only with events Redis already has: by the {@link EventWriter} once a batch is stored (for
 * a run that executes here) or by the {@link StreamReader} (for one that executes elsewhere).
 * It holds the last few hundred; a follower further behind reads Redis directly.
 */
final class Tail {
    private static final int KEEP = 256;

    final String runId;
    /** Fed by this instance's writer, so the reader leaves it alone. */
    final boolean local;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<LoggedEvent> recent = new ArrayDeque<>();
    private long tip;
    private volatile boolean ended;
    private RuntimeException failure;
    private volatile long lastUsedNanos = System.nanoTime();
    private volatile String owner;
    /**
     * Where the stream reader starts the owner's feed if it is not reading it yet: just before
     * the run was marked watched; null for a local tail, and for a remote one until it is marked.
     */
    private volatile StreamEntryID feedFrom;

    private final weft.store.Wakeups.Alarm alarm;

    Tail(String runId, boolean local, long tip, weft.store.Wakeups wakeups) {
        this.runId = runId;
        this.local = local;
        this.tip = tip;
        this.alarm = wakeups.alarm(lock, changed);
    }

    /** Events stored in Redis, in order; ones already seen are skipped. */
    void deliver(List<LoggedEvent> events) {
        lock.lock();
        try {
            for (LoggedEvent e : events) {
                if (e.seq() <= tip) continue;
                if (e.seq() != tip + 1) recent.clear(); // a gap: what is held no longer joins up
                recent.addLast(e);
                if (recent.size() > KEEP) recent.removeFirst();
                tip = e.seq();
                if (e.isDone()) {
                    ended = true;
                    alarm.cancel();
                }
            }
            failure = null;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every follower waiting here with {@code why} (Redis went away, or the log is not Weft's). */
    void fail(RuntimeException why) {
        lock.lock();
        try {
            failure = why;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    StreamEntryID feedFrom() {
        return feedFrom;
    }

    void readFrom(StreamEntryID at) {
        feedFrom = at;
    }

    /** The instance that executes the run, looked up once. */
    String owner(java.util.function.Supplier<String> lookUp) {
        if (owner == null) owner = lookUp.get();
        return owner;
    }

    /** Its log is not Weft's: it is not read again. */
    void corrupt(RuntimeException why) {
        ended = true;
        fail(why);
    }

    /** Whether this tail has seen its run's done (or its log is not Weft's): nothing more will come. */
    boolean ended() {
        return ended;
    }

    /** Where the reader goes on from. */
    long tip() {
        lock.lock();
        try {
            return tip;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The events after {@code seq}: empty if there are none yet, null if this tail does not
     * hold all of them (the follower reads Redis instead).
     */
    List<LoggedEvent> after(long seq) {
        lastUsedNanos = System.nanoTime();
        lock.lock();
        try {
            if (tip <= seq) return List.of();
            if (recent.isEmpty() || recent.peekFirst().seq() > seq + 1) return null;
            var out = new ArrayList<LoggedEvent>((int) (tip - seq));
            for (LoggedEvent e : recent) if (e.seq() > seq) out.add(e);
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until an event after {@code seq} is stored; false if none was within the time. */
    boolean awaitBeyond(long seq, long nanos) throws InterruptedException {
        lastUsedNanos = System.nanoTime();
        long deadline = lastUsedNanos + nanos;
        lock.lock();
        try {
            while (tip <= seq) {
                if (failure != null) throw failure;
                if (deadline - System.nanoTime() <= 0) return false;
                alarm.awaitUntil(deadline);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Nobody waits here and nobody has asked for {@code nanos}: the tail may go. */
    boolean unusedFor(long nanos) {
        lock.lock();
        try {
            return !lock.hasWaiters(changed) && System.nanoTime() - lastUsedNanos > nanos;
        } finally {
            lock.unlock();
        }
    }
}
