package weft.runs;

import weft.auth.Principal;
import weft.providers.Providers;
import weft.workflows.Step;
import weft.workflows.Workflow;
import weft.workflows.Workflows;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides whether a run may start here: the server is not draining, the input is within
 * its limit, the workflow and every provider it names exist, the user is within their
 * {@link UserLimits}, and this instance runs fewer than its limit. A run admitted holds its
 * places until {@link #release}; a run refused after admission gives its places and its rate
 * token back ({@link #undo}).
 */
public final class Admission {
    /** The limits runs are admitted within. */
    public record Limits(int maxActiveRuns, int maxInputChars) {}

    private final Workflows workflows;
    private final Providers providers;
    private final Limits limits;
    private final UserLimits users;
    private final AtomicInteger active = new AtomicInteger();
    private volatile boolean draining;

    public Admission(Workflows workflows, Providers providers, Limits limits, UserLimits users) {
        this.workflows = workflows;
        this.providers = providers;
        this.limits = limits;
        this.users = users;
    }

    /** Admits run {@code runId} for {@code caller}, or throws a {@link Refusal} that says what to change. */
    Workflow admit(RunRequest request, Principal caller, String runId) {
        if (draining) throw new Refusal(Refusal.Kind.OVERLOADED, "the server is shutting down; retry on another instance", 1);
        long chars = request.input() == null ? 0 : request.input().length();
        for (var m : request.conversation().lead()) chars += m.content().length();
        if (!request.conversation().inSession()) {
            // The client sends the whole conversation each time: all of it is input.
            for (var m : request.conversation().given()) chars += m.content().length();
        }
        if (chars > limits.maxInputChars()) {
            throw new Refusal(Refusal.Kind.TOO_LARGE, (request.conversation().inSession() ? "'input' has " : "the conversation has ") + chars
                    + " characters; the limit is " + limits.maxInputChars() + " (WEFT_MAX_INPUT_CHARS)");
        }
        Workflow workflow = workflows.find(request.workflow()).orElseThrow(
                () -> new Refusal(Refusal.Kind.NOT_FOUND, "unknown workflow '" + request.workflow()
                        + "': GET /v1/workflows lists the ones this server has"));
        for (String name : providersNamed(workflow.root(), request.model().provider())) {
            if (providers.find(name).isEmpty()) throw new Refusal(Refusal.Kind.INVALID, providers.whyUnavailable(name));
        }
        users.admit(caller, runId);
        if (active.incrementAndGet() > limits.maxActiveRuns()) {
            active.decrementAndGet();
            users.undo(caller, runId);
            throw new Refusal(Refusal.Kind.OVERLOADED, "this server is running its limit of "
                    + limits.maxActiveRuns() + " runs (WEFT_MAX_ACTIVE_RUNS)", 1);
        }
        return workflow;
    }

    /** A run admitted by {@link #admit} was refused later after all: it does not count. */
    void undo(Principal caller, String runId) {
        active.decrementAndGet();
        users.undo(caller, runId);
    }

    /** A run has ended: its places come back, and its output tokens count against its user's day. */
    void release(String runId, String limitKey, long outputTokens) {
        active.decrementAndGet();
        users.release(runId);
        users.used(limitKey, outputTokens);
    }

    int active() {
        return active.get();
    }

    void drain() {
        draining = true;
    }

    /** Every provider the workflow's agents will call, so a missing one is refused before the run starts. */
    private static Set<String> providersNamed(Step step, String runDefault) {
        var names = new LinkedHashSet<String>();
        if (runDefault != null) names.add(runDefault);
        collectProviders(step, names);
        return names;
    }

    private static void collectProviders(Step step, Set<String> names) {
        switch (step) {
            case Step.Agent a -> { if (a.provider() != null) names.add(a.provider()); }
            case Step.Plan p -> collectProviders(p.agent(), names);
            case Step.FanOut f -> collectProviders(f.template(), names);
            case Step.Sequential s -> s.steps().forEach(c -> collectProviders(c, names));
            case Step.Parallel p -> p.steps().forEach(c -> collectProviders(c, names));
            case Step.Loop l -> l.steps().forEach(c -> collectProviders(c, names));
        }
    }
}
