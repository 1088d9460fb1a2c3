package weft.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.events.RunEvent;
import weft.json.Jackson;
import weft.providers.Document;
import weft.providers.ToolCall;
import weft.providers.ToolResult;
import weft.providers.ToolSpec;
import weft.tools.Arguments;
import weft.tools.Tool;
import weft.tools.ToolContext;
import weft.tools.ToolFailure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.StructuredTaskScope.Subtask;

/**
 * The tools one agent may call, and how a round of calls runs: each call is checked (a tool
 * the agent has, arguments that are a JSON object its schema accepts), shown as
 * {@code tool_call}, and run, all of a round at once, each in its own subtask of one scope.
 * Every call gets a {@code tool_result}; a tool that fails or a call that is wrong is an error
 * result for the model to read, never the agent's failure. A cancel interrupts the scope,
 * and every tool with it.
 */
public final class Toolbox {
    public static final Toolbox NONE = new Toolbox(List.of());
    private static final ObjectMapper JSON = Jackson.mapper();

    private final Map<String, Tool> tools = new LinkedHashMap<>();

    public Toolbox(List<Tool> tools) {
        for (Tool t : tools) this.tools.put(t.spec().name(), t);
    }

    public List<ToolSpec> specs() {
        return tools.values().stream().map(Tool::spec).toList();
    }

    /**
     * What a round of calls gave: the results of the calls that ran, in the calls' order, and
     * the calls handed back to the client, which end the agent's turn.
     */
    record Round(List<ToolResult> results, List<ToolCall> handedBack) {}

    /** Runs one round of calls. */
    Round run(String agent, List<ToolCall> calls, List<Document> documents, EventSink events)
            throws InterruptedException {
        var results = new ToolResult[calls.size()];
        var handedBack = new ArrayList<ToolCall>();
        var runs = new ArrayList<Subtask<ToolResult>>();
        var indexes = new ArrayList<Integer>();
        try (var scope = StructuredTaskScope.open(Joiner.<ToolResult>awaitAll())) {
            for (int i = 0; i < calls.size(); i++) {
                ToolCall call = calls.get(i);
                Tool tool = tools.get(call.name());
                JsonNode arguments;
                try {
                    if (tool == null) {
                        throw new ToolFailure("unknown_tool", "there is no tool '" + call.name() + "'; the tools are "
                                + String.join(", ", tools.keySet()));
                    }
                    arguments = Arguments.parse(call.arguments());
                    Arguments.check(arguments, tool.spec().parameters());
                } catch (ToolFailure wrong) {
                    results[i] = failed(agent, call, wrong, events);
                    continue;
                }
                if (!tool.handsBack()) tool.beforeShown(call.id());
                events.emit(new RunEvent.ToolCall(agent, call.id(), call.name(), arguments, tool.executor().wire()));
                if (tool.handsBack()) {
                    handedBack.add(call);
                    continue;
                }
                var context = new ToolContext(agent, call.id(), documents,
                        message -> events.emit(new RunEvent.ToolProgress(agent, call.id(), message)));
                indexes.add(i);
                runs.add(scope.fork(() -> {
                    try {
                        JsonNode result = tool.call(arguments, context);
                        events.emit(new RunEvent.ToolResult(agent, call.id(), call.name(), result, null));
                        return new ToolResult(call.id(), call.name(), result.toString(), false);
                    } catch (ToolFailure failure) {
                        return failed(agent, call, failure, events);
                    }
                }));
            }
            scope.join();
        }
        for (int k = 0; k < runs.size(); k++) {
            Subtask<ToolResult> run = runs.get(k);
            ToolCall call = calls.get(indexes.get(k));
            results[indexes.get(k)] = switch (run.state()) {
                case SUCCESS -> run.get();
                case FAILED -> failed(agent, call, new ToolFailure("tool_failed", "tool '" + call.name()
                        + "' failed: " + run.exception()), events);
                case UNAVAILABLE -> throw new InterruptedException("the agent was stopped during its tools");
            };
        }
        var ran = new ArrayList<ToolResult>();
        for (ToolResult r : results) if (r != null) ran.add(r);
        return new Round(List.copyOf(ran), List.copyOf(handedBack));
    }

    private static ToolResult failed(String agent, ToolCall call, ToolFailure failure, EventSink events) {
        String message = failure.code() + ": " + failure.getMessage();
        events.emit(new RunEvent.ToolResult(agent, call.id(), call.name(), null, message));
        return new ToolResult(call.id(), call.name(), JSON.createObjectNode().put("error", message).toString(), true);
    }
}
