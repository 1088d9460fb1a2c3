package weft.workflows;

import weft.agents.Toolbox;
import weft.providers.Document;
import weft.tools.ClientCalls;
import weft.tools.ClientTool;
import weft.tools.ServerTools;
import weft.tools.Tool;
import weft.tools.ToolDeclaration;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The tools of one run: which agent gets which, and the calls that wait for the client. An
 * agent gets the tools its workflow gives it; the agents whose text is the run's answer also
 * get the tools the run asked for (in {@code chat}, the assistant).
 */
public final class RunTools {
    /** {@code WEFT_TOOL_TIMEOUT}: how long a client tool's call waits; {@code WEFT_MAX_TOOL_STEPS}: model calls per agent. */
    public record Settings(Duration clientTimeout, int maxSteps) {}

    private final ServerTools server;
    private final List<ToolDeclaration> requested;
    private final Settings settings;
    private final boolean handBack;
    private final ClientCalls clientCalls = new ClientCalls();

    /** {@code handBack}: a call of a client's tool ends the agent's turn instead of waiting for the result. */
    public RunTools(ServerTools server, List<ToolDeclaration> requested, Settings settings, boolean handBack) {
        this.server = server;
        this.requested = List.copyOf(requested);
        this.settings = settings;
        this.handBack = handBack;
    }

    public ClientCalls clientCalls() {
        return clientCalls;
    }

    public int maxSteps() {
        return settings.maxSteps();
    }

    /**
     * The toolbox of {@code step}; {@code agents} makes the tool for an agent of the workflow.
     * A tool the workflow gives that is of no use with the run's documents is left out; one the
     * run asked for is always offered, so that using it wrongly gets an error that says why.
     */
    Toolbox forAgent(Step.Agent step, boolean answers, List<Document> documents, Function<String, Tool> agents) {
        Map<String, Tool> tools = new LinkedHashMap<>();
        for (ToolDeclaration d : step.tools()) {
            Tool tool = tool(d, agents);
            if (tool.usefulWith(documents)) tools.putIfAbsent(d.name(), tool);
        }
        if (answers) {
            // the workflow's own tool wins over a run's of the same name
            for (ToolDeclaration d : requested) tools.putIfAbsent(d.name(), tool(d, agents));
        }
        return tools.isEmpty() ? Toolbox.NONE : new Toolbox(List.copyOf(tools.values()));
    }

    private Tool tool(ToolDeclaration declared, Function<String, Tool> agents) {
        return switch (declared) {
            case ToolDeclaration.Server s -> server.find(s.name())
                    .orElseThrow(() -> new IllegalStateException(server.unknown(s.name())));
            case ToolDeclaration.Function f -> new ClientTool(f.spec(), clientCalls, settings.clientTimeout(), handBack);
            case ToolDeclaration.Agent a -> agents.apply(a.name());
        };
    }
}
