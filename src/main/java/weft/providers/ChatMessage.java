package weft.providers;

import java.util.List;

/**
 * One turn of a conversation as a model sees it. A user's message; the assistant's answer,
 * with the tool calls it made (if any); or the results of those calls ({@link Role#TOOL},
 * one message per result, right after the assistant message that made the call).
 */
public record ChatMessage(Role role, String content, List<ToolCall> toolCalls, ToolResult result) {
    public enum Role { USER, ASSISTANT, TOOL }

    public ChatMessage {
        content = content == null ? "" : content;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public ChatMessage(Role role, String content) {
        this(role, content, List.of(), null);
    }

    public static ChatMessage user(String content) { return new ChatMessage(Role.USER, content); }

    public static ChatMessage assistant(String content) { return new ChatMessage(Role.ASSISTANT, content); }

    public static ChatMessage assistant(String content, List<ToolCall> calls) {
        return new ChatMessage(Role.ASSISTANT, content, calls, null);
    }

    public static ChatMessage tool(ToolResult result) {
        return new ChatMessage(Role.TOOL, result.content(), List.of(), result);
    }
}
