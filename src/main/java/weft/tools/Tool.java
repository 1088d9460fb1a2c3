package weft.tools;

import com.fasterxml.jackson.databind.JsonNode;
import weft.providers.ToolSpec;

/**
 * Something an agent's model may call. The model sees {@link #spec()}; when it calls the
 * tool, the agent checks the arguments against the spec's schema and then calls
 * {@link #call} on a subtask of its own scope, so a cancel interrupts the tool as it
 * interrupts a model call.
 */
public interface Tool {

    /** Who runs a tool, as the {@code tool_call} event tells clients. */
    enum Executor {
        /** Weft runs it (the built-in tools, agents as tools). */
        SERVER,
        /** The client runs it and posts the result to {@code /v1/runs/{id}/tool_results}. */
        CLIENT;

        public String wire() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    ToolSpec spec();

    default Executor executor() {
        return Executor.SERVER;
    }

    /**
     * Whether a call of this tool ends the agent's turn, the call shown but not run: the client
     * runs it and continues the conversation itself (Chat Completions, Responses).
     */
    default boolean handsBack() {
        return false;
    }

    /**
     * Whether a workflow's agent is offered this tool in a run with these documents. A tool that
     * could only fail in such a run (a search with nothing to search) would cost the model a step.
     */
    default boolean usefulWith(java.util.List<weft.providers.Document> documents) {
        return true;
    }

    /** Called just before the call is shown to clients, on the agent's thread. */
    default void beforeShown(String callId) {
    }

    /**
     * Runs the tool. Its result goes back to the model as JSON; a {@link ToolFailure} goes
     * back as an error result, and the model goes on.
     */
    JsonNode call(JsonNode arguments, ToolContext context) throws ToolFailure, InterruptedException;
}
