package weft.store;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Session locks of one process: released when their run ends, so they need no expiry. */
public final class InMemorySessionLocks implements SessionLocks {
    private final ConcurrentMap<String, String> holders = new ConcurrentHashMap<>();

    @Override
    public Optional<String> claim(String sessionId, String runId) {
        return Optional.ofNullable(holders.putIfAbsent(sessionId, runId));
    }

    @Override
    public Optional<String> holder(String sessionId) {
        return Optional.ofNullable(holders.get(sessionId));
    }

    @Override
    public void release(String sessionId, String runId) {
        holders.remove(sessionId, runId);
    }
}
