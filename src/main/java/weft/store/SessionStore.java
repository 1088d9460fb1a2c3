package weft.store;

import java.util.List;
import java.util.Optional;

/**
 * Conversations. A run reads a session's messages as the history it sends to the model and,
 * when it ends, appends the user's message and the assistant's answer in one step, so a
 * session never holds half of a turn.
 */
public interface SessionStore {

    Session create(String owner);

    Optional<Session> find(String sessionId);

    /** Appends messages atomically; does nothing if the session was deleted meanwhile. */
    void append(String sessionId, List<StoredMessage> messages);

    /** True if the session existed. */
    boolean delete(String sessionId);
}
