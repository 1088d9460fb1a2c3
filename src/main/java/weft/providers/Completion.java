package weft.providers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One answer, assembled from its parts: the text, the tool calls with their arguments
 * joined, the provider's finish reason and usage ({@code usage} is null if the stream ended
 * without a {@link Part.Finish}).
 */
public record Completion(String text, List<ToolCall> toolCalls, String finishReason, Usage usage) {

    /**
     * The finish reason in OpenAI's words, whichever provider said it: {@code length} for an
     * answer cut at its token limit ({@code max_tokens}, {@code MAX_TOKENS}), {@code tool_calls}
     * ({@code tool_use}), {@code content_filter} ({@code SAFETY}, {@code RECITATION}), else
     * {@code stop}.
     */
    public String normalizedFinish() {
        if (finishReason == null) return toolCalls.isEmpty() ? "stop" : "tool_calls";
        return switch (finishReason) {
            case "length", "max_tokens", "MAX_TOKENS", "model_context_window_exceeded" -> "length";
            case "tool_calls", "tool_use", "function_call" -> "tool_calls";
            case "content_filter", "SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII" -> "content_filter";
            default -> toolCalls.isEmpty() ? "stop" : "tool_calls";
        };
    }

    /** Passes every part on to {@code next} and keeps what it needs to say what the answer was. */
    public static final class Collector implements PartSink {
        private final PartSink next;
        private final StringBuilder text = new StringBuilder();
        private final Map<String, String> names = new LinkedHashMap<>();
        private final Map<String, StringBuilder> arguments = new LinkedHashMap<>();
        private final Map<String, String> signatures = new LinkedHashMap<>();
        private Part.Finish finish;

        public Collector(PartSink next) {
            this.next = next;
        }

        @Override
        public void accept(Part part) {
            switch (part) {
                case Part.Text t -> text.append(t.text());
                case Part.ToolCallStart s -> {
                    names.put(s.callId(), s.name());
                    if (s.signature() != null) signatures.put(s.callId(), s.signature());
                    arguments.put(s.callId(), new StringBuilder());
                }
                case Part.ToolCallArguments a -> arguments.computeIfAbsent(a.callId(), id -> new StringBuilder()).append(a.fragment());
                case Part.ToolCallEnd e -> { }
                case Part.Finish f -> finish = f;
            }
            next.accept(part);
        }

        public Completion completion() {
            var calls = new ArrayList<ToolCall>();
            arguments.forEach((id, args) -> calls.add(new ToolCall(id, names.get(id), args.toString(), signatures.get(id))));
            return new Completion(text.toString(), calls, finish == null ? null : finish.reason(),
                    finish == null ? null : finish.usage());
        }
    }
}
