package weft.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Sessions in this process's memory: the embedded default. Sessions are immutable values. */
public final class InMemorySessionStore implements SessionStore {
    private final ConcurrentMap<String, Session> sessions = new ConcurrentHashMap<>();

    @Override
    public Session create(String owner) {
        var session = new Session(Ids.newId("s_"), owner, System.currentTimeMillis(), List.of());
        sessions.put(session.id(), session);
        return session;
    }

    @Override
    public Optional<Session> find(String sessionId) {
        return Optional.ofNullable(sessions.get(sessionId));
    }

    @Override
    public void append(String sessionId, List<StoredMessage> messages) {
        sessions.computeIfPresent(sessionId, (id, s) -> {
            var all = new ArrayList<>(s.messages());
            all.addAll(messages);
            return new Session(id, s.owner(), s.createdAt(), all);
        });
    }

    @Override
    public boolean delete(String sessionId) {
        return sessions.remove(sessionId) != null;
    }
}
