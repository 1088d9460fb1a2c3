package weft.providers;

/**
 * What came back for a call, as the model reads it next: {@code content} is the result as
 * JSON text, or an error message when {@code error} is true.
 */
public record ToolResult(String callId, String name, String content, boolean error) {}
