package weft.tools;

import com.fasterxml.jackson.databind.JsonNode;
import weft.providers.ToolSpec;

import java.time.Duration;

/**
 * A function the client declared with its run and runs itself: calling it shows the call to
 * the client (the {@code tool_call} event, {@code executor: "client"}) and waits for the
 * answer the client posts, at most the tool timeout. A tool that {@code handsBack} does not
 * wait: the call ends the agent's turn, as OpenAI's function calling does, and the client sends
 * the result with its next request.
 */
public record ClientTool(ToolSpec spec, ClientCalls calls, Duration timeout, boolean handsBack) implements Tool {

    @Override
    public Executor executor() {
        return Executor.CLIENT;
    }

    @Override
    public void beforeShown(String callId) {
        calls.expect(callId);
    }

    /** Tells a follower (and a person reading curl's output) that the run now waits, and for how long at most. */
    @Override
    public JsonNode call(JsonNode arguments, ToolContext context) throws ToolFailure, InterruptedException {
        context.progress().accept("waiting for the client's result at POST /v1/runs/{id}/tool_results, at most "
                + weft.config.Settings.human(timeout));
        return calls.await(context.callId(), spec.name(), timeout);
    }
}
