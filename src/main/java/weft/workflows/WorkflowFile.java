package weft.workflows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.json.Jackson;
import weft.providers.Providers;
import weft.tools.ToolDeclaration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Workflows from the JSON file {@code WEFT_WORKFLOWS} names:
 * {@code {"workflows": [{"name", "description", "root": <step>}]}}, where a step is
 * {@code {"type": "agent" | "sequential" | "parallel" | "loop" | "plan" | "fan_out", "name", …}}
 * with the field names {@link WorkflowJson} describes workflows with.
 *
 * <p>Everything is checked at start-up, so a mistake stops the server with a message instead
 * of failing a user's run halfway. This class checks the file's shape (fields, types,
 * durations) and builds the steps; {@link WorkflowCheck} then checks what they mean (names,
 * limits, providers, placeholders), as it does for the built-in workflows. The first mistake
 * is reported, naming the file, the workflow, the step and the field. Unknown fields are
 * mistakes too: a misspelt {@code "output_kye"} must not be silently ignored.
 */
public final class WorkflowFile {
    /** A field given twice would otherwise silently keep its last value. */
    private static final ObjectMapper JSON = Jackson.mapperBuilder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final List<String> TYPES = List.of("agent", "sequential", "parallel", "loop", "plan", "fan_out");
    private static final List<String> AGENT_FIELDS =
            List.of("type", "name", "instruction", "provider", "model", "output_key", "timeout", "max_tokens", "tools");
    /**
     * The agent of a fan_out, and an agent other agents call as a tool: no type (it is always an
     * agent), no output_key (a fan_out collects its copies' texts; a tool agent's text is its result).
     */
    private static final List<String> LONE_AGENT_FIELDS =
            List.of("name", "instruction", "provider", "model", "timeout", "max_tokens", "tools");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    private WorkflowFile() {}

    /**
     * Reads and checks every workflow of {@code file}; throws {@link IllegalArgumentException} at
     * the first mistake. {@code serverTools} are the tool names agents may list.
     */
    public static List<Workflow> load(Path file, Providers providers, List<String> serverTools) {
        try {
            return read(file, providers, serverTools);
        } catch (IllegalArgumentException mistake) {
            throw new IllegalArgumentException(file + ": " + mistake.getMessage(), mistake);
        }
    }

    private static List<Workflow> read(Path file, Providers providers, List<String> serverTools) {
        JsonNode top;
        try {
            top = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such file; set WEFT_WORKFLOWS to the path of a workflows file");
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new IllegalArgumentException("is not valid JSON" + (at == null ? "" : " (line " + at.getLineNr()
                    + ", column " + at.getColumnNr() + ")") + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot be read: " + e);
        }
        if (top == null || !top.isObject()) {
            throw new IllegalArgumentException("the file must hold one JSON object, {\"workflows\": [ … ]}");
        }
        var json = new Obj(top, "the top level");
        json.onlyFields(List.of("workflows"), "the file");
        JsonNode list = json.array("workflows", "the list of workflows");

        var builtIn = new Workflows(List.of()).all().stream().map(Workflow::name).toList();
        var indexOf = new HashMap<String, Integer>();
        var workflows = new ArrayList<Workflow>();
        for (int i = 0; i < list.size(); i++) {
            Workflow w = workflow(list.get(i), "workflows[" + i + "]");
            var where = new Obj(list.get(i), "workflow '" + w.name() + "'");
            if (builtIn.contains(w.name())) {
                throw where.bad("name", "is \"" + w.name() + "\", a built-in workflow (" + String.join(", ", builtIn)
                        + "); choose another name");
            }
            Integer earlier = indexOf.putIfAbsent(w.name(), i);
            if (earlier != null) {
                throw where.bad("name", "is used by workflows[" + earlier + "] too; workflow names must be unique");
            }
            WorkflowCheck.check(w, providers, serverTools);
            workflows.add(w);
        }
        return List.copyOf(workflows);
    }

    private static Workflow workflow(JsonNode node, String index) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(index + ": a workflow must be a JSON object {\"name\", \"description\", "
                    + "\"root\"}, not " + node);
        }
        JsonNode name = node.get("name");
        var json = new Obj(node, name != null && name.isTextual() ? "workflow '" + name.asText() + "'" : index);
        json.onlyFields(List.of("name", "description", "root", "tool_agents"), "a workflow");
        String workflowName = json.text("name", "the name runs ask for with \"workflow\"");
        String description = json.optionalText("description");
        JsonNode root = json.node.get("root");
        if (root == null) throw json.bad("root", "is required: the workflow's top step, e.g. {\"type\": \"sequential\", …}");
        return new Workflow(workflowName, description == null ? "" : description, step(root, json.where, "the root step"),
                toolAgents(json));
    }

    /**
     * {@code "tool_agents"}: agents outside the step tree that the tree's agents call as tools
     * ({@code "tools": [{"agent": "fact_checker"}]}), as ADK's {@code AgentTool} wraps an agent.
     */
    private static List<Step.Agent> toolAgents(Obj json) {
        if (!json.node.has("tool_agents")) return List.of();
        JsonNode array = json.array("tool_agents", "the agents that other agents call as tools");
        var agents = new ArrayList<Step.Agent>();
        for (int i = 0; i < array.size(); i++) {
            Obj agent = named(array.get(i), json.where, "tool_agents[" + i + "]", "a tool agent must be a JSON object "
                    + "{\"name\", \"instruction\"}");
            if (agent.node.has("type")) {
                throw agent.bad("type", "is not used in a tool agent (it is always an agent); remove it");
            }
            if (agent.node.has("output_key")) {
                throw agent.bad("output_key", "cannot be set on a tool agent: its text is the result of the tool call "
                        + "that asked for it; remove it");
            }
            agent.onlyFields(LONE_AGENT_FIELDS, "a tool agent");
            agents.add(agent(agent));
        }
        return agents;
    }

    /**
     * One step; {@code workflow} names its workflow and {@code unnamed} says where the step is,
     * for messages about a step whose name is missing.
     */
    private static Step step(JsonNode node, String workflow, String unnamed) {
        Obj json = named(node, workflow, unnamed, "a step must be a JSON object {\"type\": …, \"name\": …}");
        String type = json.text("type", "one of " + String.join(", ", TYPES));
        if (!TYPES.contains(type)) {
            throw json.bad("type", "is \"" + type + "\"" + didYouMean(type, TYPES) + "; use one of "
                    + String.join(", ", TYPES));
        }
        json.onlyFields(fieldsOf(type), (type.equals("agent") ? "an " : "a ") + type + " step");
        String name = json.name();
        return switch (type) {
            case "agent" -> agent(json);
            case "plan" -> new Step.Plan(agent(json), json.integer("min", 2), json.integer("max", 5));
            case "sequential" -> new Step.Sequential(name, steps(json, workflow, name));
            case "parallel" -> new Step.Parallel(name, steps(json, workflow, name), policy(json, Step.FailurePolicy.ALL));
            case "loop" -> new Step.Loop(name, steps(json, workflow, name), json.requiredInteger("max_iterations",
                    "how often the loop may run its steps, 1 to " + WorkflowCheck.MAX_ITERATIONS), json.optionalText("until_text"));
            case "fan_out" -> fanOut(json, workflow, name);
            default -> throw new IllegalStateException(type);
        };
    }

    private static List<String> fieldsOf(String type) {
        return switch (type) {
            case "agent" -> AGENT_FIELDS;
            case "plan" -> concat(AGENT_FIELDS, "min", "max");
            case "sequential" -> List.of("type", "name", "steps");
            case "parallel" -> List.of("type", "name", "steps", "on_failure");
            case "loop" -> List.of("type", "name", "steps", "max_iterations", "until_text");
            case "fan_out" -> List.of("type", "name", "over", "agent", "on_failure", "output_key");
            default -> throw new IllegalStateException(type);
        };
    }

    /** A step's JSON object, named in messages by its name if it has one, else by where it is. */
    private static Obj named(JsonNode node, String workflow, String unnamed, String notObject) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(workflow + ", " + unnamed + ": " + notObject + ", not " + node);
        }
        JsonNode name = node.get("name");
        var json = new Obj(node, workflow + ", " + (name != null && name.isTextual() ? "step '" + name.asText() + "'" : unnamed));
        json.text("name", "every step has one, e.g. \"writer\" (lowercase letters, digits, - and _)");
        return json;
    }

    private static List<Step> steps(Obj json, String workflow, String parent) {
        JsonNode array = json.array("steps", "the steps it runs");
        var steps = new ArrayList<Step>();
        for (int i = 0; i < array.size(); i++) {
            steps.add(step(array.get(i), workflow, "step " + (i + 1) + " of '" + parent + "'"));
        }
        return steps;
    }

    private static Step.Agent agent(Obj json) {
        String instruction = json.text("instruction", "the agent's system prompt, which may read {input} and the "
                + "output_key of earlier steps");
        return new Step.Agent(json.name(), instruction, json.optionalText("provider"),
                json.optionalText("model"), json.optionalText("output_key"), json.duration("timeout"),
                json.integer("max_tokens"), tools(json));
    }

    /**
     * An agent's {@code "tools"}: server tools by name ({@code "calculator"}) and tool agents
     * ({@code {"agent": "fact_checker"}}). Which names exist is {@link WorkflowCheck}'s to say.
     * Function tools are not for a file: the client that runs them declares them with its run.
     */
    private static List<ToolDeclaration> tools(Obj json) {
        if (!json.node.has("tools")) return List.of();
        JsonNode array = json.array("tools", "the tools the agent's model may call, e.g. [\"calculator\", "
                + "{\"agent\": \"fact_checker\"}]");
        var tools = new ArrayList<ToolDeclaration>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode tool = array.get(i);
            String at = "tools[" + i + "]";
            if (tool.isTextual() && !tool.asText().isBlank()) {
                tools.add(new ToolDeclaration.Server(tool.asText()));
            } else if (tool.isObject() && tool.size() == 1 && tool.path("agent").isTextual()) {
                tools.add(new ToolDeclaration.Agent(tool.get("agent").asText()));
            } else if (tool.isObject() && tool.has("type")) {
                throw json.bad(at, "is " + tool + ": a workflow file names server tools and tool agents only; a "
                        + "function tool is declared by the client that runs it, in its run's \"tools\"");
            } else {
                throw json.bad(at, "is " + tool + "; name a server tool (\"calculator\") or a tool agent "
                        + "({\"agent\": \"fact_checker\"})");
            }
        }
        return tools;
    }

    private static Step.FanOut fanOut(Obj json, String workflow, String name) {
        String over = json.text("over", "the output_key of a plan step before it, whose items the copies work on");
        JsonNode template = json.node.get("agent");
        if (template == null) {
            throw json.bad("agent", "is required: the agent copied once per item, e.g. {\"name\": \"researcher\", "
                    + "\"instruction\": \"Research: {item}\"}");
        }
        Obj agent = named(template, workflow, "the agent of '" + name + "'", "'agent' must be a JSON object");
        if (template.has("type")) {
            throw agent.bad("type", "is not used in the agent of a fan_out step (it is always an agent); remove it");
        }
        if (template.has("output_key")) {
            throw agent.bad("output_key", "cannot be set on the agent of a fan_out step: the texts of its copies are "
                    + "collected under the output_key of '" + name + "'; move it there");
        }
        agent.onlyFields(LONE_AGENT_FIELDS, "the agent of a fan_out step");
        String outputKey = json.text("output_key", "the key the copies' texts are stored under, for later steps");
        return new Step.FanOut(name, over, agent(agent), policy(json, Step.FailurePolicy.BEST_EFFORT), outputKey);
    }

    private static Step.FailurePolicy policy(Obj json, Step.FailurePolicy fallback) {
        String value = json.optionalText("on_failure");
        if (value == null) return fallback;
        for (Step.FailurePolicy policy : Step.FailurePolicy.values()) {
            if (WorkflowJson.policy(policy).equals(value)) return policy;
        }
        throw json.bad("on_failure", "is \"" + value + "\"; use all (the first failure stops the step) or "
                + "best_effort (the others finish; failed agents are left out)");
    }

    /** A field name or value close to what was meant: a typo at most two letters off. */
    private static String didYouMean(String given, List<String> known) {
        return known.stream().filter(k -> distance(given.toLowerCase(java.util.Locale.ROOT), k) <= 2).findFirst()
                .map(k -> " (did you mean \"" + k + "\"?)").orElse("");
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    private static int distance(String a, String b) {
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) row[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int above = row[j];
                row[j] = Math.min(Math.min(row[j] + 1, row[j - 1] + 1), diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.length()];
    }

    private static List<String> concat(List<String> list, String... more) {
        var all = new ArrayList<>(list);
        all.addAll(List.of(more));
        return List.copyOf(all);
    }

    /** One JSON object of the file and how messages name it ({@code workflow 'review', step 'critic'}). */
    private record Obj(JsonNode node, String where) {

        IllegalArgumentException bad(String field, String what) {
            return new IllegalArgumentException(where + ": '" + field + "' " + what);
        }

        void onlyFields(List<String> allowed, String what) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (!allowed.contains(field.getKey())) {
                    throw new IllegalArgumentException(where + ": unknown field '" + field.getKey() + "'"
                            + didYouMean(field.getKey(), allowed) + "; " + what + " has " + String.join(", ", allowed));
                }
            }
        }

        /** The step's name, which {@link #named} has checked is there. */
        String name() {
            return node.get("name").asText();
        }

        /** A required, non-blank string; {@code what} says what it is for. */
        String text(String field, String what) {
            JsonNode value = node.get(field);
            if (value == null) throw bad(field, "is required: " + what);
            if (!value.isTextual()) throw bad(field, "must be a string, not " + value);
            if (value.asText().isBlank()) throw bad(field, "is empty: " + what);
            return value.asText();
        }

        /** A string the step may leave out; null then. */
        String optionalText(String field) {
            JsonNode value = node.get(field);
            if (value == null) return null;
            if (!value.isTextual()) throw bad(field, "must be a string, not " + value + "; leave the field out for the default");
            return value.asText();
        }

        /** A whole number the step may leave out; null then. */
        Integer integer(String field) {
            JsonNode value = node.get(field);
            if (value == null) return null;
            if (!value.isIntegralNumber() || !value.canConvertToInt()) throw bad(field, "must be a whole number, not " + value);
            return value.intValue();
        }

        int integer(String field, int fallback) {
            Integer value = integer(field);
            return value == null ? fallback : value;
        }

        int requiredInteger(String field, String what) {
            Integer value = integer(field);
            if (value == null) throw bad(field, "is required: " + what);
            return value;
        }

        JsonNode array(String field, String what) {
            JsonNode value = node.get(field);
            if (value == null) throw bad(field, "is required: " + what + ", as a JSON array");
            if (!value.isArray()) throw bad(field, "must be a JSON array (" + what + "), not " + value);
            return value;
        }

        /** {@code 250ms}, {@code 30s}, {@code 15m} or {@code 1h}, as in the server's settings; null when left out. */
        Duration duration(String field) {
            String text = optionalText(field);
            if (text == null) return null;
            Matcher m = DURATION.matcher(text);
            if (!m.matches()) throw bad(field, "is \"" + text + "\"; write a duration such as 250ms, 30s, 15m or 1h");
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
    }
}
