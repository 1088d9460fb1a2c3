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
 *
 * <p>{@code lead}, for a run in a session, is what opens its turn before {@code input}: the
 * results of the session's last calls that were handed back, or the earlier turns a client
 * brings to a new session. The model sees it after the session's history, and the session keeps
 * it as part of this run's turn; {@code input} may then be null, when the lead ends with tool
 * results. {@code echo} is passed on to {@link weft.store.RunRecord#echo()}.
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
        weft.providers.ToolChoice toolChoice,
        List<weft.providers.ChatMessage> lead,
        String echo) {

    public RunRequest {
        documents = List.copyOf(documents);
        tools = tools == null ? List.of() : List.copyOf(tools);
        conversation = conversation == null ? null : List.copyOf(conversation);
        sampling = sampling == null ? weft.providers.Sampling.NONE : sampling;
        toolChoice = toolChoice == null ? weft.providers.ToolChoice.AUTO : toolChoice;
        lead = lead == null ? List.of() : List.copyOf(lead);
        if (conversation != null && sessionId != null) {
            throw new IllegalArgumentException("a run is given its conversation or continues a session, not both");
        }
        if (conversation != null && !lead.isEmpty()) {
            throw new IllegalArgumentException("a lead opens a turn in a session; a given conversation holds it already");
        }
        if (input == null && conversation == null && lead.isEmpty()) {
            throw new IllegalArgumentException("a run without a conversation or a lead needs an input");
        }
    }

    /** A {@code POST /v1/runs} request: its session's history, client tools that wait. */
    public RunRequest(String input, String workflow, String sessionId, String provider, String model, String system,
                      List<Document> documents, Integer maxTokens, boolean stream, boolean background,
                      OnDisconnect onDisconnect, List<weft.tools.ToolDeclaration> tools) {
        this(input, workflow, sessionId, provider, model, system, documents, maxTokens, stream, background, onDisconnect,
                tools, null, false, null, null, null, null);
    }

    /** Whether the run keeps its conversation in a session. */
    public boolean inSession() {
        return conversation == null;
    }
}
