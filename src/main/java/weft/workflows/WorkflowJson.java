package weft.workflows;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.tools.ToolDeclaration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A workflow as JSON, for {@code GET /v1/workflows}. The step tree uses the field names of the
 * workflows file ({@link WorkflowFile}), so a described workflow's {@code name},
 * {@code description}, {@code root} and {@code tool_agents} can be pasted into a file; {@code agents} is derived
 * from the tree and only listed for convenience.
 */
public final class WorkflowJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private WorkflowJson() {}

    /** {@code {"name", "description", "agents": [...], "root": {...}}}. */
    public static ObjectNode describe(Workflow workflow) {
        ObjectNode json = NODES.objectNode().put("name", workflow.name()).put("description", workflow.description());
        agents(workflow.root()).forEach(json.putArray("agents")::add);
        json.set("root", step(workflow.root()));
        if (!workflow.toolAgents().isEmpty()) {
            ArrayNode tools = json.putArray("tool_agents");
            workflow.toolAgents().forEach(a -> tools.add(agent(NODES.objectNode(), a)));
        }
        return json;
    }

    /** Every agent in execution order; a fan_out's copies, named when the plan is known, show as {@code researcher-*}. */
    public static List<String> agents(Step root) {
        var names = new ArrayList<String>();
        collect(root, names);
        return names;
    }

    private static void collect(Step step, List<String> names) {
        switch (step) {
            case Step.Agent a -> names.add(a.name());
            case Step.Plan p -> names.add(p.name());
            case Step.FanOut f -> names.add(f.template().name() + "-*");
            case Step.Sequential s -> s.steps().forEach(child -> collect(child, names));
            case Step.Parallel p -> p.steps().forEach(child -> collect(child, names));
            case Step.Loop l -> l.steps().forEach(child -> collect(child, names));
        }
    }

    private static ObjectNode step(Step step) {
        ObjectNode json = NODES.objectNode();
        switch (step) {
            case Step.Agent a -> agent(json.put("type", "agent"), a);
            case Step.Plan p -> agent(json.put("type", "plan"), p.agent()).put("min", p.min()).put("max", p.max());
            case Step.Sequential s -> steps(json.put("type", "sequential").put("name", s.name()), s.steps());
            case Step.Parallel p -> steps(json.put("type", "parallel").put("name", p.name())
                    .put("on_failure", policy(p.onFailure())), p.steps());
            case Step.Loop l -> {
                json.put("type", "loop").put("name", l.name()).put("max_iterations", l.maxIterations());
                if (l.untilText() != null) json.put("until_text", l.untilText());
                steps(json, l.steps());
            }
            case Step.FanOut f -> {
                json.put("type", "fan_out").put("name", f.name()).put("over", f.overKey())
                        .put("on_failure", policy(f.onFailure())).put("output_key", f.outputKey());
                json.set("agent", agent(NODES.objectNode(), f.template()));
            }
        }
        return json;
    }

    /** An agent's fields; those it leaves to the run (provider, model, …) are left out. */
    private static ObjectNode agent(ObjectNode json, Step.Agent a) {
        json.put("name", a.name());
        if (a.instruction() != null) json.put("instruction", a.instruction());
        if (a.outputKey() != null) json.put("output_key", a.outputKey());
        if (a.provider() != null) json.put("provider", a.provider());
        if (a.model() != null) json.put("model", a.model());
        if (a.timeout() != null) json.put("timeout", duration(a.timeout()));
        if (a.maxTokens() != null) json.put("max_tokens", a.maxTokens());
        if (!a.tools().isEmpty()) {
            ArrayNode tools = json.putArray("tools");
            for (ToolDeclaration tool : a.tools()) {
                switch (tool) {
                    case ToolDeclaration.Agent agent -> tools.addObject().put("agent", agent.name());
                    default -> tools.add(tool.name());
                }
            }
        }
        return json;
    }

    private static void steps(ObjectNode json, List<Step> steps) {
        ArrayNode array = json.putArray("steps");
        steps.forEach(child -> array.add(step(child)));
    }

    /** {@code all} or {@code best_effort}, as the file writes it. */
    static String policy(Step.FailurePolicy policy) {
        return policy.name().toLowerCase(Locale.ROOT);
    }

    /**
     * A duration as the file writes it: {@code 250ms}, {@code 60s}, {@code 90s}, {@code 3m}. As in
     * {@link weft.config.Settings#human}, seconds up to two minutes and minutes up to two hours
     * read more naturally than the largest unit ({@code 60s}, not {@code 1m}).
     */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) return ms + "ms";
        long s = ms / 1000;
        if (s < 120 || s % 60 != 0) return s + "s";
        long m = s / 60;
        if (m < 120 || m % 60 != 0) return m + "m";
        return m / 60 + "h";
    }
}
