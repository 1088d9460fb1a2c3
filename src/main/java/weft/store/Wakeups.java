package weft.store;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Ends the waits of followers whose time is up, so that a waiting follower parks without a
 * timer of its own. A follower that has caught up with its run waits for the next event, at
 * most until its next heartbeat is due; with a timed park each such wait would arm and cancel
 * a timer in the virtual-thread scheduler, once per delta per follower (measured: about an
 * eighth of the CPU of a delta at 100 streams). Instead the waiters of one log share an
 * {@link Alarm}: they park untimed, events wake them as before, and the alarm rings at the
 * earliest of their deadlines, about once per heartbeat whatever the rate of events.
 */
public final class Wakeups {
    /** Waits shorter than this are not worth the hand-off: they park with a timer as before. */
    private static final long SHORT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ScheduledExecutorService timers;

    public Wakeups(ScheduledExecutorService timers) {
        this.timers = timers;
    }

    /** The alarm of the waiters on {@code condition}, a condition of {@code lock}. */
    public Alarm alarm(ReentrantLock lock, Condition condition) {
        return new Alarm(lock, condition);
    }

    /** One log's waiters' wake-up. Its methods are called with the lock held, as the condition's are. */
    public final class Alarm {
        private final ReentrantLock lock;
        private final Condition condition;
        /** When the alarm rings next ({@link System#nanoTime()}); 0 when it is not set. */
        private long ringsAt;
        private java.util.concurrent.ScheduledFuture<?> pending;

        private Alarm(ReentrantLock lock, Condition condition) {
            this.lock = lock;
            this.condition = condition;
        }

        /**
         * Parks until the condition is signalled or {@code deadline} ({@link System#nanoTime()})
         * has passed; as with any condition, the caller checks again what it waits for.
         */
        public void awaitUntil(long deadline) throws InterruptedException {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) return;
            if (remaining < SHORT_NANOS) {
                condition.awaitNanos(remaining);
                return;
            }
            // One ring serves every waiter: set it only if it is not due by this deadline already.
            if (ringsAt == 0 || ringsAt - deadline > 0) {
                if (pending != null) pending.cancel(false);
                ringsAt = deadline;
                pending = timers.schedule(this::ring, remaining, TimeUnit.NANOSECONDS);
            }
            condition.await();
        }

        /**
         * Nothing will be waited for any more (the run's {@code done} is in): the alarm goes now,
         * so that no timer keeps an ended run's log alive.
         */
        public void cancel() {
            if (pending != null) pending.cancel(false);
            pending = null;
            ringsAt = 0;
        }

        /** Every waiter looks at its own deadline; one with time left sets the alarm again. */
        private void ring() {
            lock.lock();
            try {
                if (ringsAt != 0 && ringsAt - System.nanoTime() <= 0) {
                    ringsAt = 0;
                    pending = null;
                }
                condition.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
