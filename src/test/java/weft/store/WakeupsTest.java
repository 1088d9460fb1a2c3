package weft.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import weft.testing.Await;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared alarm of a log's waiters: it ends their waits on time, one ring for all, and leaves no timer behind. */
class WakeupsTest {
    private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Wakeups.Alarm alarm;

    WakeupsTest() {
        timers.setRemoveOnCancelPolicy(true);
        alarm = new Wakeups(timers).alarm(lock, changed);
    }

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    /** Waits as a log's follower does: until its deadline, checking again after every wake. */
    private long waitOut(long millis) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lock();
        try {
            while (deadline - System.nanoTime() > 0) alarm.awaitUntil(deadline);
        } finally {
            lock.unlock();
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private int waiting() {
        lock.lock();
        try {
            return lock.getWaitQueueLength(changed);
        } finally {
            lock.unlock();
        }
    }

    @Test
    void aWaiterThatNothingWakesReturnsAtItsDeadlineAndNoTimerIsLeft() throws Exception {
        assertTrue(waitOut(200) >= 200);
        assertEquals(0, timers.getQueue().size(), "the ring has run and is gone");
    }

    @Test
    void waitersWithDifferentDeadlinesShareOneTimer() throws Exception {
        var first = Thread.ofVirtual().start(() -> { try { waitOut(5_000); } catch (InterruptedException e) { } });
        Await.until("one waiter", Duration.ofSeconds(10), () -> waiting() == 1);
        var second = Thread.ofVirtual().start(() -> { try { waitOut(10_000); } catch (InterruptedException e) { } });
        Await.until("two waiters", Duration.ofSeconds(10), () -> waiting() == 2);
        assertEquals(1, timers.getQueue().size(), "the later deadline relies on the earlier ring");
        first.interrupt();
        second.interrupt();
        first.join();
        second.join();
    }

    @Test
    void aWaiterThatIsSignalledParksAgainWithoutANewTimer() throws Exception {
        var waiter = Thread.ofVirtual().start(() -> { try { waitOut(10_000); } catch (InterruptedException e) { } });
        Await.until("a waiter", Duration.ofSeconds(10), () -> waiting() == 1);
        for (int i = 0; i < 100; i++) { // as events arriving would
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            Await.until("the waiter back", Duration.ofSeconds(10), () -> waiting() == 1);
        }
        assertEquals(1, timers.getQueue().size(), "a hundred wakes, still the one ring");
        waiter.interrupt();
        waiter.join();
    }

    @Test
    void cancellingTheAlarmRemovesItsTimer() throws Exception {
        var waiter = Thread.ofVirtual().start(() -> { try { waitOut(10_000); } catch (InterruptedException e) { } });
        Await.until("a waiter", Duration.ofSeconds(10), () -> waiting() == 1);
        assertEquals(1, timers.getQueue().size());
        lock.lock();
        try {
            alarm.cancel();
        } finally {
            lock.unlock();
        }
        assertEquals(0, timers.getQueue().size(), "an ended run's log keeps no timer");
        waiter.interrupt();
        waiter.join();
    }
}
