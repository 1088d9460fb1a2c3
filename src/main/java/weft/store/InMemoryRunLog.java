package weft.store;

import weft.events.EventJson;
import weft.events.LoggedEvent;
import weft.events.RunEvent;
import weft.sse.SseWriter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One run's events in a list guarded by a lock; followers park on a condition until the
 * next append. The SSE frame is rendered once here, under the lock, because the sequence
 * number is part of it.
 */
final class InMemoryRunLog implements RunLog {
    private final String runId;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition appended = lock.newCondition();
    private final ArrayList<LoggedEvent> events = new ArrayList<>();
    private boolean closed;

    InMemoryRunLog(String runId) {
        this.runId = runId;
    }

    @Override
    public LoggedEvent append(RunEvent event) {
        long now = System.nanoTime(); // the moment the agent handed the event over
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("run " + runId + " has ended; cannot append " + event.type());
            long seq = events.size() + 1;
            byte[] json = EventJson.render(runId, seq, System.currentTimeMillis(), event);
            var logged = new LoggedEvent(seq, event.type(), SseWriter.render(seq, event.type(), json), now);
            events.add(logged);
            closed = logged.isDone();
            appended.signalAll();
            return logged;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<LoggedEvent> after(long seq, Duration wait) throws InterruptedException {
        long remaining = wait.toNanos();
        lock.lock();
        try {
            while (events.size() <= seq) {
                if (closed || remaining <= 0) return List.of();
                remaining = appended.awaitNanos(remaining);
            }
            return List.copyOf(events.subList((int) seq, events.size()));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean closed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }
}
