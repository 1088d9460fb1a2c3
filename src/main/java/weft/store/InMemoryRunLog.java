package weft.store;

import weft.events.LoggedEvent;
import weft.events.RunEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One run's events in a list guarded by a lock; followers park on a condition until the next
 * append, or until {@link Wakeups} tells them their wait is over.
 */
final class InMemoryRunLog implements RunLog {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition appended = lock.newCondition();
    private final ArrayList<LoggedEvent> events = new ArrayList<>();
    private final Wakeups.Alarm alarm;
    private long bytes;

    InMemoryRunLog(Wakeups wakeups) {
        this.alarm = wakeups.alarm(lock, appended);
    }

    @Override
    public LoggedEvent append(RunEvent event) {
        long now = System.nanoTime(); // the moment the agent handed the event over
        lock.lock();
        try {
            if (!events.isEmpty() && events.getLast().isDone()) {
                throw new IllegalStateException("the run has ended; cannot append " + event.type());
            }
            var logged = new LoggedEvent(events.size() + 1, System.currentTimeMillis(), event, now);
            events.add(logged);
            bytes += 96 + 2L * event.textLength();
            if (logged.isDone()) alarm.cancel();
            appended.signalAll();
            return logged;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long lastSeq() {
        lock.lock();
        try {
            return events.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void sync() {
        // In memory, an appended event is stored.
    }

    List<LoggedEvent> after(long seq, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        lock.lock();
        try {
            while (events.size() <= seq) {
                if (deadline - System.nanoTime() <= 0) return List.of();
                alarm.awaitUntil(deadline);
            }
            return List.copyOf(events.subList((int) seq, events.size()));
        } finally {
            lock.unlock();
        }
    }

    long bytes() {
        lock.lock();
        try {
            return bytes;
        } finally {
            lock.unlock();
        }
    }
}
