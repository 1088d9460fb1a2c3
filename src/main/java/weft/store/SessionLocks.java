package weft.store;

import java.util.Optional;

/**
 * One run at a time per session: two runs at once would each append half a conversation.
 * A lock expires by itself after a while (longer than any run may last), so an instance that
 * dies holding one does not block its session for ever.
 */
public interface SessionLocks {

    /** Takes the session for {@code runId}; if another run holds it, returns that run's id instead. */
    Optional<String> claim(String sessionId, String runId);

    /** The run that holds the session now, if any: a session's running run. */
    Optional<String> holder(String sessionId);

    /** Gives the session back, if {@code runId} still holds it. */
    void release(String sessionId, String runId);
}
