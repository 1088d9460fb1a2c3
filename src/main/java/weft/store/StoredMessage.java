package weft.store;

/**
 * One message of a session as the contract shows it.
 *
 * @param role    {@code user} or {@code assistant}
 * @param status  {@code completed}; for an answer cut short, {@code interrupted} or {@code failed},
 *                and then {@code content} is exactly the text that was streamed
 * @param runId   the run that produced the turn
 */
public record StoredMessage(String role, String content, String status, String runId) {}
