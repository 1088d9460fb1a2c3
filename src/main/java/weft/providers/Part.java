package weft.providers;

/**
 * What a model streams as it answers, in the order it streams it. Each provider maps its own
 * wire format onto these: OpenAI's {@code tool_calls} deltas by index, Anthropic's
 * {@code tool_use} blocks with {@code input_json_delta}s, Gemini's whole {@code functionCall}s.
 *
 * <pre>
 * Text("Let me ")  Text("check.")
 * ToolCallStart("call_1", "calculator")  ToolCallArguments("call_1", "{\"expr")  ToolCallArguments("call_1", "ession\":\"2+2\"}")  ToolCallEnd("call_1")
 * Finish("tool_calls", usage)
 * </pre>
 */
public sealed interface Part {

    /** A piece of the answer's text, split wherever the provider's tokenizer split it. */
    record Text(String text) implements Part {}

    /**
     * The model begins to call tool {@code name}; {@code callId} names this call from now on.
     * {@code signature} is opaque state the provider wants back with the call in the next
     * request (Gemini's {@code thoughtSignature}: Gemini 3 refuses a history whose calls lack
     * it), or null.
     */
    record ToolCallStart(String callId, String name, String signature) implements Part {
        public ToolCallStart(String callId, String name) {
            this(callId, name, null);
        }
    }

    /**
     * A piece of the call's arguments: JSON text cut anywhere, even inside a string or an
     * escape. The pieces joined are exactly the JSON the model wrote.
     */
    record ToolCallArguments(String callId, String fragment) implements Part {}

    /** The call's arguments are complete. */
    record ToolCallEnd(String callId) implements Part {}

    /**
     * The answer is complete: the provider's finish reason as it said it ({@code stop},
     * {@code tool_calls}, {@code end_turn}, {@code tool_use}, {@code STOP} …, or null) and
     * what the call cost (estimated when the provider reported nothing). Always the last part.
     */
    record Finish(String reason, Usage usage) implements Part {}
}
