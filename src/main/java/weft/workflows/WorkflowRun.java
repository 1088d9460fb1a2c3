package weft.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.agents.EventSink;
import weft.agents.LlmAgent;
import weft.agents.Transcript;
import weft.events.RunEvent;
import weft.json.Jackson;
import weft.metrics.Metrics;
import weft.providers.ChatMessage;
import weft.providers.Document;
import weft.providers.ModelRequest;
import weft.providers.Provider;
import weft.providers.ProviderException;
import weft.providers.Providers;
import weft.providers.Usage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.StructuredTaskScope.Subtask;
import java.util.function.BooleanSupplier;

/**
 * Executes one run's workflow: walks the step tree, runs each agent in a scope of its own,
 * and runs parallel steps as subtasks of a {@link StructuredTaskScope}, so the run is a tree
 * of scopes. Cancelling the run cancels the root scope; every nested scope is cancelled in
 * turn, every agent's thread is interrupted, and every provider request is aborted.
 *
 * <pre>
 * run scope ─ research (sequential)
 *              ├─ planner            (agent scope → model call)
 *              ├─ researchers        (parallel scope)
 *              │    ├─ researcher-1  (agent scope → model call)
 *              │    └─ researcher-2  (agent scope → model call)
 *              └─ synthesizer        (agent scope → model call)
 * </pre>
 */
public final class WorkflowRun {
    private static final ObjectMapper JSON = Jackson.mapper();

    /**
     * What the run asked for, as every agent sees it. {@code system} is the system prompt of
     * an agent that has no instruction of its own (the chat assistant). {@code input} is null
     * when the history ends with tool results the model is to go on from: then there is no
     * new message, and {@code {input}} is the last thing the user said.
     */
    public record Inputs(String input, String system, List<ChatMessage> history, List<Document> documents,
                         String provider, String model, Integer maxTokens, weft.providers.Sampling sampling,
                         weft.providers.ToolChoice toolChoice) {
        public Inputs {
            sampling = sampling == null ? weft.providers.Sampling.NONE : sampling;
            toolChoice = toolChoice == null ? weft.providers.ToolChoice.AUTO : toolChoice;
        }

        public Inputs(String input, String system, List<ChatMessage> history, List<Document> documents,
                      String provider, String model, Integer maxTokens) {
            this(input, system, history, documents, provider, model, maxTokens, null, null);
        }

        /** The user's message: the new one, or the last one of the history. */
        public String question() {
            if (input != null) return input;
            for (int i = history.size() - 1; i >= 0; i--) {
                if (history.get(i).role() == ChatMessage.Role.USER) return history.get(i).content();
            }
            return "";
        }
    }

    /** One agent of this run: its model call, what it has streamed, and how to stop just it. */
    public record AgentRun(String name, LlmAgent agent, Transcript transcript, Stopper<AgentStopped.Outcome> stopper) {}

    private final Workflow workflow;
    private final Inputs inputs;
    private final Providers providers;
    private final EventSink events;
    private final Metrics metrics;
    private final BooleanSupplier runStopping;
    private final RunTools tools;
    private final Map<String, String> state = new ConcurrentHashMap<>();
    private final List<AgentRun> agents = new CopyOnWriteArrayList<>();
    private final Map<String, AgentRun> latestByName = new ConcurrentHashMap<>();

    public WorkflowRun(Workflow workflow, Inputs inputs, Providers providers, EventSink events, Metrics metrics,
                       BooleanSupplier runStopping, RunTools tools) {
        this.tools = tools;
        this.workflow = workflow;
        this.inputs = inputs;
        this.providers = providers;
        this.events = events;
        this.metrics = metrics;
        this.runStopping = runStopping;
        state.put("input", inputs.question());
    }

    /** Runs the whole workflow on the calling thread (a subtask of the run's scope). */
    public void execute() throws Exception {
        run(workflow.root(), null, Map.of());
    }

    /** The tool calls of this run that wait for its client. */
    public weft.tools.ClientCalls clientCalls() {
        return tools.clientCalls();
    }

    /** Every agent started so far, in start order. */
    public List<AgentRun> agents() {
        return List.copyOf(agents);
    }

    /**
     * The run's answer: the text of the agent that ran last in the workflow's final step, as
     * far as it got (in a loop that ended early, the agent that ended it).
     */
    public String output() {
        var last = workflow.finalAgents();
        for (int i = agents.size() - 1; i >= 0; i--) {
            if (last.contains(agents.get(i).name())) return agents.get(i).transcript().text();
        }
        return "";
    }

    /** The answer as the session keeps it: the same agent's turn, its tool calls and results included. */
    public List<ChatMessage> outputTurn() {
        var last = workflow.finalAgents();
        for (int i = agents.size() - 1; i >= 0; i--) {
            if (last.contains(agents.get(i).name())) return agents.get(i).transcript().turn();
        }
        return List.of(ChatMessage.assistant(""));
    }

    /** Stops one agent of the run; empty if it has no agent of that name. */
    public Optional<Stopper.Answer<AgentStopped.Outcome>> cancelAgent(String name) {
        return Optional.ofNullable(latestByName.get(name)).map(a -> a.stopper().stop(AgentStopped.Outcome.CANCELLED));
    }

    /** Runs a step and returns its text: an agent's answer, or what its children wrote. */
    private String run(Step step, String parent, Map<String, String> vars) throws Exception {
        if (runStopping.getAsBoolean()) throw new InterruptedException("the run is stopping");
        return switch (step) {
            case Step.Agent agent -> runAgent(agent, parent, vars, List.of(), inputs.question());
            case Step.Sequential seq -> {
                String last = "";
                for (Step child : seq.steps()) last = run(child, seq.name(), vars);
                yield last;
            }
            case Step.Parallel par -> String.join("\n\n", runAtOnce(par.name(), par.steps(), par.onFailure(), vars).values());
            case Step.Loop loop -> runLoop(loop, vars);
            case Step.Plan plan -> runPlan(plan, parent, vars);
            case Step.FanOut fan -> runFanOut(fan, vars);
        };
    }

    /**
     * Children at once, one subtask each. With {@code ALL} the first failure cancels the
     * siblings and fails the step; with {@code BEST_EFFORT} the siblings finish and only the
     * successful texts are returned, in the children's order.
     */
    private Map<String, String> runAtOnce(String name, List<Step> children, Step.FailurePolicy policy,
                                          Map<String, String> vars) throws Exception {
        var tasks = new ArrayList<Subtask<String>>();
        var joiner = policy == Step.FailurePolicy.ALL ? Joiner.<String>awaitAllSuccessfulOrThrow() : Joiner.<String>awaitAll();
        try (var scope = StructuredTaskScope.open(joiner)) {
            for (Step child : children) tasks.add(scope.fork(() -> run(child, name, vars)));
            scope.join();
        } catch (StructuredTaskScope.FailedException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        var texts = new java.util.LinkedHashMap<String, String>();
        for (int i = 0; i < children.size(); i++) {
            if (tasks.get(i).state() == Subtask.State.SUCCESS) texts.put(children.get(i).name(), tasks.get(i).get());
        }
        if (texts.isEmpty()) {
            throw new WorkflowException("step_failed", "every agent of step '" + name + "' failed, so it has nothing to pass on");
        }
        if (texts.size() < children.size()) {
            events.emit(new RunEvent.AgentProgress(name, texts.size() + " of " + children.size() + " agents finished"));
        }
        return texts;
    }

    private String runLoop(Step.Loop loop, Map<String, String> vars) throws Exception {
        String last = "";
        for (int i = 1; i <= loop.maxIterations(); i++) {
            events.emit(new RunEvent.AgentProgress(loop.name(), "iteration " + i + " of " + loop.maxIterations()));
            for (Step child : loop.steps()) {
                last = run(child, loop.name(), vars);
                if (loop.untilText() != null && last.contains(loop.untilText())) {
                    events.emit(new RunEvent.AgentProgress(loop.name(), "'" + child.name() + "' signalled done after "
                            + i + (i == 1 ? " iteration" : " iterations")));
                    return last;
                }
            }
        }
        return last;
    }

    /** The planner's answer must be a plan; a bad one is asked for again once, with the reason. */
    private String runPlan(Step.Plan plan, String parent, Map<String, String> vars) throws Exception {
        Step.Agent agent = plan.agent();
        String answer = runAgent(agent, parent, vars, List.of(), inputs.question());
        List<String> items;
        try {
            items = parsePlan(answer, plan.min(), plan.max());
        } catch (WorkflowException bad) {
            events.emit(new RunEvent.AgentProgress(agent.name(), "the plan was not usable (" + bad.getMessage() + "); asking again"));
            String retry = runAgent(agent, parent, vars, List.of(ChatMessage.assistant(answer), ChatMessage.user(
                    "That plan could not be used: " + bad.getMessage() + ". Answer again with JSON only, exactly of the form "
                            + "{\"subtopics\": [\"…\", \"…\"]}, with " + plan.min() + " to " + plan.max() + " subtopics.")), inputs.question());
            try {
                items = parsePlan(retry, plan.min(), plan.max());
            } catch (WorkflowException again) {
                throw new WorkflowException("invalid_plan", "the planner gave no usable plan in two tries: " + again.getMessage());
            }
        }
        if (agent.outputKey() != null) state.put(agent.outputKey(), JSON.writeValueAsString(items));
        events.emit(new RunEvent.AgentProgress(agent.name(), "planned " + items.size() + " subtopics: " + String.join("; ", items)));
        return answer;
    }

    /** {@code {"subtopics": ["…", …]}} and nothing else, with {@code min} to {@code max} distinct, non-blank items. */
    static List<String> parsePlan(String answer, int min, int max) throws WorkflowException {
        JsonNode plan;
        try {
            plan = JSON.reader().with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(answer.strip());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new WorkflowException("invalid_plan", "it is not JSON: " + e.getOriginalMessage());
        }
        if (plan == null || !plan.isObject() || !plan.path("subtopics").isArray()) {
            throw new WorkflowException("invalid_plan", "it is not an object with a \"subtopics\" array");
        }
        var items = new ArrayList<String>();
        for (JsonNode item : plan.get("subtopics")) {
            if (!item.isTextual() || item.asText().isBlank()) throw new WorkflowException("invalid_plan", "a subtopic is not a non-empty string: " + item);
            if (items.contains(item.asText().strip())) throw new WorkflowException("invalid_plan", "subtopic '" + item.asText() + "' is listed twice");
            items.add(item.asText().strip());
        }
        if (items.size() < min || items.size() > max) {
            throw new WorkflowException("invalid_plan", "it has " + items.size() + " subtopics, not " + min + " to " + max);
        }
        return items;
    }

    /** One copy of the template per planned item, at once; their texts stored together under headings. */
    private String runFanOut(Step.FanOut fan, Map<String, String> vars) throws Exception {
        String planned = state.get(fan.overKey());
        if (planned == null) throw new WorkflowException("missing_state", "step '" + fan.name() + "' needs {" + fan.overKey() + "}, which no step has set");
        List<String> items = List.of(JSON.readValue(planned, String[].class));
        var copies = new ArrayList<Step>();
        var itemOf = new HashMap<String, String>();
        for (int i = 0; i < items.size(); i++) {
            Step.Agent t = fan.template();
            String name = t.name() + "-" + (i + 1);
            copies.add(new Step.Agent(name, t.instruction(), t.provider(), t.model(), null, t.timeout(), t.maxTokens(), t.tools()));
            itemOf.put(name, items.get(i));
        }
        events.emit(new RunEvent.AgentProgress(fan.name(), "working on " + items.size() + " subtopics at once"));
        var texts = runAtOnce(fan.name(), copies, fan.onFailure(), withItems(vars, itemOf));
        var notes = new StringBuilder();
        texts.forEach((agent, text) -> notes.append(notes.isEmpty() ? "" : "\n\n").append("### ").append(itemOf.get(agent)).append('\n').append(text));
        if (fan.outputKey() != null) state.put(fan.outputKey(), notes.toString());
        return notes.toString();
    }

    /** Fan-out copies find their item under {@code item.<agent name>}; {@link #runAgent} picks its own. */
    private static Map<String, String> withItems(Map<String, String> vars, Map<String, String> itemOf) {
        var all = new HashMap<>(vars);
        itemOf.forEach((agent, item) -> all.put("item." + agent, item));
        return all;
    }

    /**
     * One agent, in a scope of its own: its time limit is the scope's timeout, and a stop of
     * just this agent interrupts this thread in {@code join()}. A stop of the whole run arrives
     * as the same interrupt but without a stop request here, and is passed on.
     */
    private String runAgent(Step.Agent step, String parent, Map<String, String> vars, List<ChatMessage> extra, String input)
            throws Exception {
        String instruction = instructionFor(step, vars);
        Provider provider = provider(step);
        // An agent called as a tool answers its caller's question, not the conversation's.
        boolean conversation = input.equals(inputs.question());
        var messages = new ArrayList<>(conversation ? inputs.history() : List.<ChatMessage>of());
        if (!conversation || inputs.input() != null) messages.add(ChatMessage.user(input));
        messages.addAll(extra);
        String model = step.model() != null ? step.model() : inputs.model() != null ? inputs.model() : provider.defaultModel();
        Integer maxTokens = step.maxTokens() != null ? step.maxTokens() : inputs.maxTokens();
        boolean answers = workflow.finalAgents().contains(step.name());
        var toolbox = tools.forAgent(step, answers, inputs.documents(), agent -> agentTool(agent, step.name(), vars));
        // The run's tool choice is about the tools the run asked for, which only its answering agents get.
        var request = new ModelRequest(model, instruction, messages, inputs.documents(), maxTokens)
                .withSampling(inputs.sampling()).withToolChoice(answers ? inputs.toolChoice() : weft.providers.ToolChoice.AUTO);
        var llm = new LlmAgent(step.name(), parent, provider, request, toolbox, tools.maxSteps());
        var me = new AgentRun(step.name(), llm, new Transcript(step.name()), new Stopper<>());
        agents.add(me);
        latestByName.put(step.name(), me);

        AgentStopped.Outcome stopped = null;
        Throwable failure = null;
        if (!me.stopper().enter()) { // cancelled between being named and starting
            throw report(me, me.stopper().skip(AgentStopped.Outcome.CANCELLED), null, step);
        }
        try (var scope = StructuredTaskScope.open(Joiner.<Transcript>awaitAllSuccessfulOrThrow(),
                config -> step.timeout() == null ? config : config.withTimeout(step.timeout()))) {
            scope.fork(() -> llm.run(me.transcript(), events, metrics));
            scope.join();
        } catch (InterruptedException e) {
            if (!me.stopper().stopRequested()) {
                me.stopper().leave(AgentStopped.Outcome.CANCELLED);
                throw e; // the whole run is being cancelled: let it unwind
            }
            stopped = AgentStopped.Outcome.CANCELLED;
        } catch (StructuredTaskScope.TimeoutException e) {
            stopped = AgentStopped.Outcome.TIMED_OUT;
        } catch (StructuredTaskScope.FailedException e) {
            stopped = AgentStopped.Outcome.FAILED;
            failure = e.getCause();
        }
        var outcome = me.stopper().leave(stopped);
        if (outcome != null) throw report(me, outcome, failure, step);
        if (step.outputKey() != null) state.put(step.outputKey(), me.transcript().text());
        return me.transcript().text();
    }

    /**
     * Another agent of the workflow as a tool: the model's {@code input} is its question, its
     * text the result. It runs in a scope of its own under the caller's tool subtask, its
     * events name the caller as parent, and a stop of just it is an error result for the caller.
     */
    private weft.tools.Tool agentTool(String name, String caller, Map<String, String> vars) {
        Step.Agent step = workflow.toolAgent(name).orElseThrow(() -> new IllegalStateException(
                "WorkflowCheck lets no agent name a tool agent that does not exist: " + name));
        return new weft.tools.AgentTool(name, step.instruction() == null ? "Ask agent '" + name + "'" : "Ask agent '" + name
                + "', who was told: " + firstLine(step.instruction()), input -> {
            try {
                return runAgent(step, caller, vars, List.of(), input);
            } catch (AgentStopped stopped) {
                throw new weft.tools.ToolFailure(stopped.outcome().name().toLowerCase(java.util.Locale.ROOT),
                        stopped.getMessage());
            }
        });
    }

    private static String firstLine(String text) {
        String line = text.strip().lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    /** Tells clients why an agent did not complete, and what it had streamed. */
    private AgentStopped report(AgentRun me, AgentStopped.Outcome outcome, Throwable failure, Step.Agent step) {
        String name = me.name();
        RunEvent.Error error = switch (outcome) {
            case CANCELLED -> new RunEvent.Error("cancelled", "agent '" + name + "' was cancelled", false, name);
            case TIMED_OUT -> new RunEvent.Error("timed_out", "agent '" + name + "' took longer than its limit of "
                    + weft.config.Settings.human(step.timeout()), true, name);
            case FAILED -> failure instanceof ProviderException pe
                    ? new RunEvent.Error(pe.code(), pe.getMessage(), pe.retryable(), name)
                    : failure instanceof WorkflowException we
                    ? new RunEvent.Error(we.code(), we.getMessage(), false, name)
                    : new RunEvent.Error("internal_error", "agent '" + name + "' failed: " + failure, false, name);
        };
        events.emit(error);
        metrics.error(error.code());
        if (me.transcript().started() && !me.transcript().reported()) {
            events.emit(new RunEvent.AgentCompleted(name, me.transcript().text(), usageOf(me)));
            me.transcript().markReported();
        }
        return new AgentStopped(name, outcome, error.message(), failure);
    }

    private String instructionFor(Step.Agent step, Map<String, String> vars) throws WorkflowException {
        if (step.instruction() == null) return inputs.system();
        var values = new HashMap<>(state);
        values.putAll(vars);
        String item = vars.get("item." + step.name());
        if (item != null) values.put("item", item);
        return Placeholders.fill(step.instruction(), values, key -> new WorkflowException("missing_state",
                "agent '" + step.name() + "' reads {" + key + "}, but no step has set it (did the agent that sets it fail?)"));
    }

    private Provider provider(Step.Agent step) throws WorkflowException {
        String name = step.provider() != null ? step.provider() : inputs.provider();
        if (name == null) return providers.defaultProvider();
        return providers.find(name).orElseThrow(() -> new WorkflowException("invalid_request", providers.whyUnavailable(name)));
    }

    /** What an agent cost: its provider's figures, or an estimate when it was cut short. */
    public static Usage usageOf(AgentRun agent) {
        return agent.transcript().usage(agent.agent().promptText());
    }
}
