package weft.runs;

import weft.providers.Document;

import java.util.List;

/**
 * A validated {@code POST /v1/runs} body. Optional fields are null when absent
 * ({@code provider}, {@code model}, {@code system}, {@code maxTokens}, {@code sessionId}).
 */
public record RunRequest(
        String input,
        String workflow,
        String sessionId,
        String provider,
        String model,
        String system,
        List<Document> documents,
        Integer maxTokens,
        boolean stream,
        boolean background,
        OnDisconnect onDisconnect,
        List<weft.tools.ToolDeclaration> tools) {

    public RunRequest {
        documents = List.copyOf(documents);
        tools = tools == null ? List.of() : List.copyOf(tools);
    }
}
