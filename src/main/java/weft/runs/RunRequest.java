package weft.runs;

import weft.providers.Document;

import java.util.List;

/**
 * A validated run request: a {@code POST /v1/runs} body, or what another format's request
 * (Chat Completions, Responses, the AI SDK's chat) asks for. Optional fields are null when
 * absent ({@code provider}, {@code model}, {@code system}, {@code maxTokens}, {@code sessionId}).
 *
 * <p>{@code conversation}, when not null, is the whole conversation before {@code input}, as the
 * client keeps it: the run has no session and stores nothing of it. Its {@code input} may then
 * be null, when the conversation ends with the results of the model's last tool calls and the
 * model is to go on from them. With {@code handBack} a call of a client's function tool ends the
 * run (the client runs it and sends the result with its next request) instead of waiting.
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
        List<weft.tools.ToolDeclaration> tools,
        List<weft.providers.ChatMessage> conversation,
        boolean handBack,
        weft.providers.Sampling sampling,
        weft.providers.ToolChoice toolChoice) {

    public RunRequest {
        documents = List.copyOf(documents);
        tools = tools == null ? List.of() : List.copyOf(tools);
        conversation = conversation == null ? null : List.copyOf(conversation);
        sampling = sampling == null ? weft.providers.Sampling.NONE : sampling;
        toolChoice = toolChoice == null ? weft.providers.ToolChoice.AUTO : toolChoice;
        if (conversation != null && sessionId != null) {
            throw new IllegalArgumentException("a run is given its conversation or continues a session, not both");
        }
        if (input == null && conversation == null) throw new IllegalArgumentException("a run without a conversation needs an input");
    }

    /** A {@code POST /v1/runs} request: its session's history, client tools that wait. */
    public RunRequest(String input, String workflow, String sessionId, String provider, String model, String system,
                      List<Document> documents, Integer maxTokens, boolean stream, boolean background,
                      OnDisconnect onDisconnect, List<weft.tools.ToolDeclaration> tools) {
        this(input, workflow, sessionId, provider, model, system, documents, maxTokens, stream, background, onDisconnect,
                tools, null, false, null, null);
    }

    /** Whether the run keeps its conversation in a session. */
    public boolean inSession() {
        return conversation == null;
    }
}
