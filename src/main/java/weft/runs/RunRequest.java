package weft.runs;

import weft.providers.ChatMessage;
import weft.providers.Document;
import weft.providers.Sampling;
import weft.providers.ToolChoice;
import weft.tools.ToolDeclaration;

import java.util.List;

/**
 * A validated run request: a {@code POST /v1/runs} body, or what another format's request
 * (Chat Completions, Responses, the AI SDK's chat) asks for, in four parts: where the
 * conversation lives, how the model is asked, which tools it has, and how the answer is
 * delivered. {@code input} is the user's new message; {@code echo} is passed on to
 * {@link weft.store.RunRecord#echo()} (a format's own fields, for its later answers).
 */
public record RunRequest(String input, String workflow, Conversation conversation, Model model,
                         List<Document> documents, Tooling tooling, Delivery delivery, String echo) {

    /**
     * Where the conversation lives. A run in a session ({@code given} null) reads the session's
     * history ({@code sessionId} null: a new session) and appends its turn to it; {@code lead}
     * opens that turn before the input: the results of the session's last calls that were handed
     * back, or earlier turns a client brings to a new session. A run {@code given} its whole
     * conversation (Chat Completions) has no session and stores nothing of it.
     */
    public record Conversation(String sessionId, List<ChatMessage> given, List<ChatMessage> lead) {
        public static final Conversation NEW_SESSION = new Conversation(null, null, List.of());

        public Conversation {
            given = given == null ? null : List.copyOf(given);
            lead = lead == null ? List.of() : List.copyOf(lead);
            if (given != null && sessionId != null) {
                throw new IllegalArgumentException("a run is given its conversation or continues a session, not both");
            }
            if (given != null && !lead.isEmpty()) {
                throw new IllegalArgumentException("a lead opens a turn in a session; a given conversation holds it already");
            }
        }

        public static Conversation inSession(String sessionId) {
            return new Conversation(sessionId, null, List.of());
        }

        /** Whether the run keeps its conversation in a session. */
        public boolean inSession() {
            return given == null;
        }
    }

    /** How the model is asked: provider and model (null: the run's defaults), system prompt, limit, sampling. */
    public record Model(String provider, String model, String system, Integer maxTokens, Sampling sampling) {
        public Model {
            sampling = sampling == null ? Sampling.NONE : sampling;
        }
    }

    /**
     * The tools the run asked for, the model's tool choice, and whether a call of a client's
     * function ends the run ({@code handBack}: the client runs it and sends the result with its
     * next request) instead of waiting for {@code POST /v1/runs/{id}/tool_results}.
     */
    public record Tooling(List<ToolDeclaration> tools, ToolChoice choice, boolean handBack) {
        public static final Tooling NONE = new Tooling(List.of(), ToolChoice.AUTO, false);

        public Tooling {
            tools = tools == null ? List.of() : List.copyOf(tools);
            choice = choice == null ? ToolChoice.AUTO : choice;
        }
    }

    /** How the answer goes out: streamed or not, started in the background, and what a client's leaving does. */
    public record Delivery(boolean stream, boolean background, OnDisconnect onDisconnect) {}

    public RunRequest {
        documents = List.copyOf(documents);
        tooling = tooling == null ? Tooling.NONE : tooling;
        if (input == null && conversation.inSession() && conversation.lead().isEmpty()) {
            throw new IllegalArgumentException("a run without a conversation or a lead needs an input");
        }
    }
}
