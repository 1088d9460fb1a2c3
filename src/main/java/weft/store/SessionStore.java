package weft.store;

import java.util.List;
import java.util.Optional;

/**
 * Conversations. A run reads a session's messages as the history it sends to the model and,
 * when it ends, appends the user's message and the assistant's answer in one step, so a
 * session never holds half of a turn. A session expires when it has not been used for its
 * time to live; reading or appending renews it. Methods throw {@link StoreUnavailable} when
 * a shared store does not answer.
 */
public interface SessionStore {

    Session create(String owner);

    /**
     * The session {@code sessionId}, made empty for {@code owner} when there is none (a client
     * that names its own conversations, as the AI SDK's chat id does); empty when it is another
     * owner's. Renews its time to live, as {@link #find} does; concurrent calls make one session.
     */
    Optional<Session> findOrCreate(String sessionId, String owner);

    /** Empty for an unknown or expired session; renews the session's time to live. */
    Optional<Session> find(String sessionId);

    /** Appends messages atomically; does nothing if the session was deleted meanwhile. */
    void append(String sessionId, List<StoredMessage> messages);

    /** True if the session existed. */
    boolean delete(String sessionId);
}
