package weft.providers;

/**
 * A call the model made: its id (the provider's, or one Weft made up where the provider has
 * none), the tool's name, and the arguments exactly as the model wrote them (JSON text, not
 * yet known to be valid).
 */
public record ToolCall(String id, String name, String arguments) {}
