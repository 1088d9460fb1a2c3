package weft.providers;

/**
 * A call the model made: its id (the provider's, or one Weft made up where the provider has
 * none), the tool's name, and the arguments exactly as the model wrote them (JSON text, not
 * yet known to be valid). {@code signature} is what {@link Part.ToolCallStart#signature()}
 * carried, for the provider to send back with the call; null for most providers, and not
 * kept in a session's stored history.
 */
public record ToolCall(String id, String name, String arguments, String signature) {
    public ToolCall(String id, String name, String arguments) {
        this(id, name, arguments, null);
    }
}
