package weft.store;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Runs' events in this process's memory: the embedded default. */
public final class InMemoryEventLog implements EventLog {
    private final ConcurrentMap<String, InMemoryRunLog> logs = new ConcurrentHashMap<>();

    @Override
    public RunLog create(String runId) {
        var log = new InMemoryRunLog(runId);
        if (logs.putIfAbsent(runId, log) != null) throw new IllegalStateException("run " + runId + " already has a log");
        return log;
    }

    @Override
    public Optional<RunLog> find(String runId) {
        return Optional.ofNullable(logs.get(runId));
    }

    @Override
    public void delete(String runId) {
        logs.remove(runId);
    }
}
