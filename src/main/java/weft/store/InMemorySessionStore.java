package weft.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Sessions in this process's memory: the embedded default. Sessions are immutable values;
 * one that has not been used for its time to live is forgotten, and beyond the count or byte
 * limit the least recently used go first.
 */
public final class InMemorySessionStore implements SessionStore {
    /** How long unused sessions live and how many (and how much) are kept. */
    public record Limits(long ttlMillis, int maxSessions, long maxBytes) {}

    private final Retained<String, Session> sessions;

    public InMemorySessionStore(Limits limits) {
        this.sessions = new Retained<>(limits.ttlMillis(), limits.maxSessions(), limits.maxBytes(), true, (id, s) -> { });
    }

    @Override
    public Session create(String owner) {
        var session = new Session(Ids.newId("s_"), owner, System.currentTimeMillis(), List.of());
        sessions.put(session.id(), session, bytes(session), System.currentTimeMillis());
        return session;
    }

    @Override
    public Optional<Session> findOrCreate(String sessionId, String owner) {
        synchronized (sessions) { // as append: no turn lands between the look and the put
            long now = System.currentTimeMillis();
            Session s = sessions.get(sessionId, now);
            if (s == null) {
                s = new Session(sessionId, owner, now, List.of());
                sessions.put(sessionId, s, bytes(s), now);
            }
            return Optional.of(s).filter(found -> found.owner().equals(owner));
        }
    }

    @Override
    public Optional<Session> find(String sessionId) {
        return Optional.ofNullable(sessions.get(sessionId, System.currentTimeMillis()));
    }

    @Override
    public void append(String sessionId, List<StoredMessage> messages) {
        synchronized (sessions) {
            Session s = sessions.get(sessionId, System.currentTimeMillis());
            if (s == null) return;
            var all = new ArrayList<>(s.messages());
            all.addAll(messages);
            var next = new Session(sessionId, s.owner(), s.createdAt(), all);
            sessions.put(sessionId, next, bytes(next), System.currentTimeMillis());
        }
    }

    @Override
    public boolean delete(String sessionId) {
        return sessions.remove(sessionId) != null;
    }

    /** Forgets sessions unused for their time to live. */
    public void sweep() {
        sessions.sweep(System.currentTimeMillis());
    }

    public int size() {
        return sessions.size();
    }

    private static long bytes(Session s) {
        return 160 + 2L * s.historyChars() + 96L * s.messages().size();
    }
}
