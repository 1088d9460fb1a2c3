package weft.tools;

import weft.providers.Document;

import java.util.List;
import java.util.function.Consumer;

/**
 * What a tool may know about the call it serves: which agent made it, the call's id, the
 * run's documents, and a way to report progress (a {@code tool_progress} event) as it goes.
 */
public record ToolContext(String agent, String callId, List<Document> documents, Consumer<String> progress) {
    public ToolContext {
        documents = List.copyOf(documents);
    }
}
