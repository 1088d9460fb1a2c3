package weft.workflows;

import weft.providers.Providers;
import weft.tools.ToolDeclaration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks that a workflow makes sense before any run uses it, so a mistake stops the server at
 * start-up with a message instead of failing a user's run halfway: names, limits, providers,
 * and that every {@code {key}} an instruction reads is set by a step that runs before it.
 * {@link WorkflowFile} checks the file's shape and then calls this; the tests call it for the
 * built-in workflows too.
 *
 * <p>Messages name the workflow, the step and the field, and say what to change. An instance
 * holds one check's working maps; nothing is shared between checks.
 */
final class WorkflowCheck {
    /** Step and workflow names: they appear in events, URLs and logs, so keep them plain. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
    /** An output key must be something {@link Placeholders} can read back as {@code {key}}. */
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    static final int MAX_ITERATIONS = 100;
    static final int MAX_PLAN_ITEMS = 20;

    private final Workflow workflow;
    private final Providers providers;
    private final List<String> serverTools;
    /** Every step by name, with the steps that enclose it: the root first, the step itself last. */
    private final Map<String, List<Step>> pathOf = new LinkedHashMap<>();
    /** The steps that set each key, anywhere in the workflow; only used to explain a missing key. */
    private final Map<String, List<Step>> settersOf = new HashMap<>();

    private WorkflowCheck(Workflow workflow, Providers providers, List<String> serverTools) {
        this.workflow = workflow;
        this.providers = providers;
        this.serverTools = serverTools;
    }

    /**
     * Throws {@link IllegalArgumentException} naming the workflow, step and field of the first
     * mistake; {@code serverTools} are the names agents' {@code "tools"} may use.
     */
    static void check(Workflow workflow, Providers providers, List<String> serverTools) {
        new WorkflowCheck(workflow, providers, serverTools).run();
    }

    private void run() {
        if (workflow.name() == null || !NAME.matcher(workflow.name()).matches()) {
            throw new IllegalArgumentException("workflow '" + workflow.name() + "': 'name' must be 1 to 63 lowercase "
                    + "letters, digits, - or _, starting with a letter (e.g. \"review\")");
        }
        // First every step on its own (names, limits, providers), then how the steps fit together.
        fields(workflow.root(), List.of());
        for (Step.Agent tool : workflow.toolAgents()) {
            name(tool, List.of(tool));
            agent(tool, tool);
            reads(tool, tool.instruction(), Map.of(), false);
        }
        reservedNames();
        noToolAgentCallsItself();
        keysAfter(workflow.root(), Map.of());
    }

    // ---- each step on its own ----

    private void fields(Step step, List<Step> enclosing) {
        var path = new ArrayList<>(enclosing);
        path.add(step);
        name(step, path);
        switch (step) {
            case Step.Agent a -> agent(a, a);
            case Step.Plan p -> {
                agent(p, p.agent());
                if (p.min() < 1 || p.min() > MAX_PLAN_ITEMS) {
                    throw bad(p, "min", "is " + p.min() + "; use 1 to " + MAX_PLAN_ITEMS);
                }
                if (p.max() < p.min() || p.max() > MAX_PLAN_ITEMS) {
                    throw bad(p, "max", "is " + p.max() + " but 'min' is " + p.min() + "; use " + p.min() + " to "
                            + MAX_PLAN_ITEMS + " (a plan has min to max items)");
                }
                requireKey(p, "output_key", p.agent().outputKey(), "it names the plan, which a fan_out step reads with 'over'");
            }
            case Step.FanOut f -> {
                if (f.overKey() == null) throw bad(f, "over", "is required: the output_key of a plan step before it");
                if (f.onFailure() == null) throw bad(f, "on_failure", "is required: all or best_effort");
                requireKey(f, "output_key", f.outputKey(), "every copy's text is stored under it, for later steps to read");
                if (f.template().outputKey() != null) {
                    throw bad(f.template(), "output_key", "cannot be set on the agent of a fan_out step: the texts of its "
                            + "copies are collected under the output_key of '" + f.name() + "'; move it there");
                }
                path.add(f.template());
                name(f.template(), path);
                agent(f.template(), f.template());
            }
            case Step.Sequential s -> children(s, s.steps(), path);
            case Step.Parallel p -> {
                if (p.onFailure() == null) throw bad(p, "on_failure", "is required: all or best_effort");
                children(p, p.steps(), path);
            }
            case Step.Loop l -> {
                if (l.maxIterations() < 1 || l.maxIterations() > MAX_ITERATIONS) {
                    throw bad(l, "max_iterations", "is " + l.maxIterations() + "; use 1 to " + MAX_ITERATIONS);
                }
                if (l.untilText() != null && l.untilText().isEmpty()) {
                    throw bad(l, "until_text", "is empty, so every text would contain it; give the word that means "
                            + "done (e.g. \"APPROVED\") or leave the field out");
                }
                children(l, l.steps(), path);
            }
        }
        switch (step) {
            case Step.Agent a -> setBy(a.outputKey(), a);
            case Step.Plan p -> setBy(p.agent().outputKey(), p);
            case Step.FanOut f -> setBy(f.outputKey(), f);
            default -> { }
        }
    }

    private void children(Step parent, List<Step> steps, List<Step> path) {
        if (steps.isEmpty()) throw bad(parent, "steps", "is empty; give it at least one step");
        for (Step child : steps) fields(child, path);
    }

    /** Checks a step's name and remembers where the step is. */
    private void name(Step step, List<Step> path) {
        String name = step.name();
        if (name == null || !NAME.matcher(name).matches()) {
            throw bad(step, "name", "must be 1 to 63 lowercase letters, digits, - or _, starting with a letter "
                    + "(e.g. \"critic\")");
        }
        if (pathOf.putIfAbsent(name, List.copyOf(path)) != null) {
            throw bad(step, "name", "is used by another step of this workflow too; step names must be unique in "
                    + "their workflow, because events and cancel requests name agents by it");
        }
    }

    /** The fields every agent has; {@code step} is the agent itself, or the plan it belongs to. */
    private void agent(Step step, Step.Agent a) {
        if (a.instruction() != null && a.instruction().isBlank()) {
            throw bad(step, "instruction", "is empty; write the agent's system prompt");
        }
        if (a.provider() != null && providers.find(a.provider()).isEmpty()) {
            throw bad(step, "provider", "is \"" + a.provider() + "\": " + providers.whyUnavailable(a.provider()));
        }
        if (a.model() != null && a.model().isBlank()) {
            throw bad(step, "model", "is empty; name a model, or leave the field out for the provider's default");
        }
        if (a.outputKey() != null) requireKey(step, "output_key", a.outputKey(), null);
        if (a.timeout() != null && (a.timeout().isNegative() || a.timeout().isZero())) {
            throw bad(step, "timeout", "is " + WorkflowJson.duration(a.timeout()) + "; give a positive duration "
                    + "such as 30s or 2m, or leave the field out for no limit");
        }
        if (a.maxTokens() != null && a.maxTokens() < 1) {
            throw bad(step, "max_tokens", "is " + a.maxTokens() + "; use 1 or more, or leave the field out");
        }
        tools(step, a.tools());
    }

    /** Each tool once, each a server tool there is or a tool agent of this workflow. */
    private void tools(Step step, List<ToolDeclaration> tools) {
        var seen = new java.util.HashSet<String>();
        for (ToolDeclaration tool : tools) {
            if (!seen.add(tool.name())) {
                throw bad(step, "tools", "names '" + tool.name() + "' twice; a model calls a tool by its name, so "
                        + "names must be unique");
            }
            switch (tool) {
                case ToolDeclaration.Server s when !serverTools.contains(s.name()) -> throw bad(step, "tools",
                        "names \"" + s.name() + "\", which is not a server tool; the server tools are "
                                + String.join(", ", serverTools) + ", and {\"agent\": name} calls a tool agent");
                case ToolDeclaration.Agent t when workflow.toolAgent(t.name()).isEmpty() -> throw bad(step, "tools",
                        "names agent '" + t.name() + "', which is not one of this workflow's tool_agents"
                                + (workflow.toolAgents().isEmpty() ? " (it has none); add it to \"tool_agents\""
                                : " (" + workflow.toolAgents().stream().map(Step.Agent::name).toList() + ")"));
                default -> { }
            }
        }
    }

    /** A tool agent that could reach itself through its tools would nest without end. */
    private void noToolAgentCallsItself() {
        for (Step.Agent start : workflow.toolAgents()) {
            var route = new ArrayList<String>(List.of(start.name()));
            if (reaches(start, start.name(), route)) {
                throw bad(start, "tools", "lets agent '" + start.name() + "' call itself (" + String.join(" → ", route)
                        + "), which would nest without end; remove one of those tools");
            }
        }
    }

    private boolean reaches(Step.Agent from, String target, List<String> route) {
        for (ToolDeclaration tool : from.tools()) {
            if (!(tool instanceof ToolDeclaration.Agent a) || route.size() > workflow.toolAgents().size()) continue;
            route.add(a.name());
            if (a.name().equals(target)) return true;
            var next = workflow.toolAgent(a.name());
            if (next.isPresent() && reaches(next.get(), target, route)) return true;
            route.removeLast();
        }
        return false;
    }

    /** A key later instructions read as {@code {key}}; {@code why} says what it is for when it is missing. */
    private void requireKey(Step step, String field, String key, String why) {
        if (key == null) throw bad(step, field, "is required: " + why);
        if (!KEY.matcher(key).matches()) {
            throw bad(step, field, "is \"" + key + "\"; use letters, digits and _ (e.g. \"draft\"), "
                    + "so that instructions can read it as {" + key.replaceAll("[^A-Za-z0-9_]", "_") + "}");
        }
        if (key.equals("input") || key.equals("item")) {
            throw bad(step, field, "is \"" + key + "\", which Weft sets itself ({input} is the user's message, "
                    + "{item} a fan_out copy's item); choose another key");
        }
    }

    private void setBy(String key, Step step) {
        if (key != null) settersOf.computeIfAbsent(key, k -> new ArrayList<>()).add(step);
    }

    /** A fan_out's copies are named {@code <agent>-1}, {@code <agent>-2} …, so no other step may take those names. */
    private void reservedNames() {
        for (List<Step> path : pathOf.values()) {
            if (!(path.getLast() instanceof Step.FanOut f)) continue;
            Pattern copies = Pattern.compile(Pattern.quote(f.template().name()) + "-[0-9]+");
            for (String name : pathOf.keySet()) {
                if (copies.matcher(name).matches()) {
                    throw bad(pathOf.get(name).getLast(), "name", "is taken: the copies of agent '" + f.template().name()
                            + "' in fan_out step '" + f.name() + "' are named " + f.template().name() + "-1, "
                            + f.template().name() + "-2 …; choose another name");
                }
            }
        }
    }

    // ---- how the steps fit together: which keys exist when ----

    /**
     * Checks that {@code step} reads only keys in {@code before} (key → the step that set it)
     * and returns the keys that surely exist once it has run.
     */
    private Map<String, Step> keysAfter(Step step, Map<String, Step> before) {
        return switch (step) {
            case Step.Agent a -> {
                reads(a, a.instruction(), before, false);
                yield with(before, a.outputKey(), a);
            }
            case Step.Plan p -> {
                reads(p, p.agent().instruction(), before, false);
                yield with(before, p.agent().outputKey(), p);
            }
            case Step.FanOut f -> {
                Step source = before.get(f.overKey());
                if (source == null) {
                    throw bad(f, "over", "is \"" + f.overKey() + "\", which no earlier plan step sets; set \"output_key\": \""
                            + f.overKey() + "\" on a plan step before '" + f.name() + "'");
                }
                if (!(source instanceof Step.Plan)) {
                    throw bad(f, "over", "is \"" + f.overKey() + "\", which '" + source.name() + "' sets, but it is not a "
                            + "plan step: a fan_out needs a plan's list of items; name the output_key of a plan step");
                }
                reads(f.template(), f.template().instruction(), before, true);
                yield with(before, f.outputKey(), f);
            }
            case Step.Sequential s -> {
                Map<String, Step> known = before;
                for (Step child : s.steps()) known = keysAfter(child, known);
                yield known;
            }
            case Step.Parallel p -> {
                // Siblings start together, so each sees only what existed before the step.
                var after = new LinkedHashMap<>(before);
                for (Step child : p.steps()) after.putAll(keysAfter(child, before));
                yield after;
            }
            case Step.Loop l -> {
                // The first iteration is the strict one: later iterations only add keys.
                Map<String, Step> known = before;
                Map<String, Step> afterFirstStep = null;
                for (Step child : l.steps()) {
                    known = keysAfter(child, known);
                    if (afterFirstStep == null) afterFirstStep = known;
                }
                // With until_text the loop may stop right after its first step in the first iteration.
                yield l.untilText() == null ? known : afterFirstStep;
            }
        };
    }

    private static Map<String, Step> with(Map<String, Step> known, String key, Step setter) {
        if (key == null) return known;
        var more = new LinkedHashMap<>(known);
        more.put(key, setter);
        return more;
    }

    private void reads(Step reader, String instruction, Map<String, Step> known, boolean fanOutCopy) {
        for (String key : Placeholders.keys(instruction)) {
            if (key.equals("input") || known.containsKey(key)) continue;
            if (workflow.toolAgents().contains(reader)) {
                throw bad(reader, "instruction", "reads {" + key + "}, but a tool agent may be called at any moment, "
                        + "before any step has set it; a tool agent reads only {input} (the user's message), and its "
                        + "caller's question arrives as its message");
            }
            if (key.equals("item")) {
                if (fanOutCopy) continue;
                throw bad(reader, "instruction", "reads {item}, which only the agent of a fan_out step has (it is that "
                        + "copy's item); remove it, or move the agent into a fan_out step");
            }
            throw bad(reader, "instruction", "reads {" + key + "}, " + whyMissing(key, reader));
        }
    }

    /** Why {@code key} does not exist when {@code reader} starts, phrased as what to change. */
    private String whyMissing(String key, Step reader) {
        String setIt = "set \"output_key\": \"" + key + "\" on a step before it";
        String setItBeforeLoop = "set \"output_key\": \"" + key + "\" on a step before the loop too";
        List<Step> readerPath = pathOf.get(reader.name());
        Step setter = settersOf.getOrDefault(key, List.of()).stream()
                .filter(s -> !readerPath.contains(s)).findFirst().orElse(null);
        if (setter == null) {
            return settersOf.containsKey(key)
                    ? "which only this step sets, so it does not exist yet when the step starts; " + setIt + " too"
                    : "which no earlier step sets; " + setIt;
        }
        // Where the two paths part: the innermost step that encloses both decides.
        List<Step> setterPath = pathOf.get(setter.name());
        int i = 1; // both start at the root
        while (i < readerPath.size() - 1 && i < setterPath.size() - 1 && readerPath.get(i) == setterPath.get(i)) i++;
        Step shared = readerPath.get(i - 1);
        List<Step> children = switch (shared) {
            case Step.Sequential s -> s.steps();
            case Step.Parallel p -> p.steps();
            case Step.Loop l -> l.steps();
            default -> List.of();
        };
        boolean setLater = children.indexOf(setterPath.get(i)) > children.indexOf(readerPath.get(i));
        String who = "'" + setter.name() + "'";
        if (shared instanceof Step.Parallel p) {
            return "which " + who + " sets, but " + who + " runs at the same time, in parallel step '" + p.name()
                    + "'; read {" + key + "} in a step after '" + p.name() + "'";
        }
        if (shared instanceof Step.Loop l && setLater) {
            return "which " + who + " sets later in loop '" + l.name() + "', so in the first iteration it does not "
                    + "exist yet; " + setItBeforeLoop;
        }
        if (setLater) return "which " + who + " sets, but " + who + " runs after this step; move " + who + " before it";
        // The setter comes first, yet may not have run: a loop on its path can stop early.
        for (Step s : setterPath.subList(i, setterPath.size())) {
            if (s instanceof Step.Loop l && l.untilText() != null) {
                return "which " + who + " sets, but " + who + " may not have run: loop '" + l.name() + "' stops as soon as "
                        + "a step writes \"" + l.untilText() + "\", which can happen before " + who + " in the first "
                        + "iteration; " + setItBeforeLoop;
            }
        }
        return "which " + who + " sets, but it may not exist yet when this step starts; " + setIt;
    }

    private IllegalArgumentException bad(Step step, String field, String what) {
        String kind = workflow.toolAgents().contains(step) ? "tool agent '" : "step '";
        return new IllegalArgumentException("workflow '" + workflow.name() + "', " + kind + step.name() + "': '" + field
                + "' " + what);
    }
}
