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
