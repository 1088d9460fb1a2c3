package weft.store;

import weft.events.LoggedEvent;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Runs' events in this process's memory: the embedded default. */
public final class InMemoryEventLog implements EventLog {
    private final ConcurrentMap<String, InMemoryRunLog> logs = new ConcurrentHashMap<>();
    private final Wakeups wakeups;

    public InMemoryEventLog(Wakeups wakeups) {
        this.wakeups = wakeups;
    }

    @Override
    public RunLog create(String runId) {
        var log = new InMemoryRunLog(wakeups);
        if (logs.putIfAbsent(runId, log) != null) throw new IllegalStateException("run " + runId + " already has a log");
        return log;
    }

    @Override
    public RunLog reopen(String runId, long lastSeq) {
        return logs.computeIfAbsent(runId, id -> new InMemoryRunLog(wakeups));
    }

    @Override
    public List<LoggedEvent> after(String runId, long seq, Duration wait) throws InterruptedException {
        InMemoryRunLog log = logs.get(runId);
        return log == null ? List.of() : log.after(seq, wait);
    }

    @Override
    public void delete(String runId) {
        logs.remove(runId);
    }

    /** Roughly what a run's events take up in memory. */
    public long bytes(String runId) {
        InMemoryRunLog log = logs.get(runId);
        return log == null ? 0 : log.bytes();
    }
}
