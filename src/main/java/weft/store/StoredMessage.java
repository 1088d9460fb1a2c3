package weft.store;

import weft.providers.ToolCall;
import weft.providers.ToolResult;

import java.util.List;

/**
 * One message of a session as the contract shows it.
 *
 * @param role       {@code user}, {@code assistant}, or {@code tool} (a tool call's result)
 * @param status     {@code completed}; for an answer cut short, {@code interrupted} or {@code failed},
 *                   and then {@code content} is exactly the text that was streamed
 * @param runId      the run that produced the turn
 * @param toolCalls  the calls an assistant message made (empty for the others)
 * @param toolResult a tool message's result (null for the others)
 */
public record StoredMessage(String role, String content, String status, String runId,
                            List<ToolCall> toolCalls, ToolResult toolResult) {
    public StoredMessage {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public StoredMessage(String role, String content, String status, String runId) {
        this(role, content, status, runId, List.of(), null);
    }
}
