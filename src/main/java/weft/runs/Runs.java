package weft.runs;

import weft.config.Settings;
import weft.events.RunEvent;
import weft.metrics.Metrics;
import weft.providers.ChatMessage;
import weft.providers.Providers;
import weft.providers.Usage;
import weft.store.EventLog;
import weft.store.Ids;
import weft.store.Session;
import weft.store.SessionStore;
import weft.store.StoredMessage;
import weft.workflows.AgentStopped;
import weft.workflows.Step;
import weft.workflows.Stopper;
import weft.workflows.Workflow;
import weft.workflows.WorkflowException;
import weft.workflows.WorkflowRun;
import weft.workflows.Workflows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts runs, executes each on its own virtual thread inside a {@link StructuredTaskScope},
 * and forgets them when their retention time is over.
 *
 * <p>A run never writes to a connection: it appends events to its log and SSE handlers
 * follow the log. That is why a client may disconnect and resume, several may follow one
 * run, and a run can outlive every connection.
 */
public final class Runs {
    /** How long shutdown waits for cancelled runs to write their final events. */
    private static final Duration CANCEL_WAIT = Duration.ofSeconds(1);

    private final EventLog eventLog;
    private final SessionStore sessions;
    private final Providers providers;
    private final Workflows workflows;
    private final Metrics metrics;
    private final ScheduledExecutorService timers;
    private final Limits limits;
    private final RateLimiter rateLimiter;
    private final ConcurrentMap<String, Run> runs = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, String> busySessions = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private volatile boolean draining;

    /** The time and size limits runs live by. */
    public record Limits(Duration runTimeout, Duration retention, Duration disconnectGrace,
                         int maxActiveRuns, int maxInputChars, int runsPerMinutePerSubject) {}

    public Runs(EventLog eventLog, SessionStore sessions, Providers providers, Workflows workflows, Metrics metrics,
                ScheduledExecutorService timers, Limits limits) {
        this.eventLog = eventLog;
        this.sessions = sessions;
        this.providers = providers;
        this.workflows = workflows;
        this.metrics = metrics;
        this.timers = timers;
        this.limits = limits;
        this.rateLimiter = new RateLimiter(limits.runsPerMinutePerSubject());
        metrics.gauge("weft_active_runs", "Runs executing now.", active::get);
        metrics.gauge("weft_retained_runs", "Runs held in memory, running or ended within their retention time.",
                runs::size);
    }

    public Optional<Run> find(String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    /**
     * Checks the request, then starts the run on its own virtual thread and returns at once.
     *
     * @throws Refusal when the request cannot be served, saying what to change
     */
    public Run start(RunRequest request, String subject) {
        if (draining) throw new Refusal(Refusal.Kind.OVERLOADED, "the server is shutting down; retry on another instance", 1);
        if (request.input().length() > limits.maxInputChars()) {
            throw new Refusal(Refusal.Kind.TOO_LARGE, "'input' has " + request.input().length()
                    + " characters; the limit is " + limits.maxInputChars());
        }
        Workflow workflow = workflows.find(request.workflow()).orElseThrow(
                () -> new Refusal(Refusal.Kind.NOT_FOUND, "unknown workflow '" + request.workflow()
                        + "': GET /v1/workflows lists the ones this server has"));
        for (String name : providersNamed(workflow.root(), request.provider())) {
            if (providers.find(name).isEmpty()) throw new Refusal(Refusal.Kind.INVALID, providers.whyUnavailable(name));
        }
        long wait = rateLimiter.acquire(subject, System.nanoTime());
        if (wait > 0) throw new Refusal(Refusal.Kind.RATE_LIMITED, "too many runs started by '" + subject
                + "'; the limit is " + limits.runsPerMinutePerSubject() + " a minute", wait);

        if (active.incrementAndGet() > limits.maxActiveRuns()) {
            active.decrementAndGet();
            rateLimiter.refund(subject);
            throw new Refusal(Refusal.Kind.OVERLOADED, "this server is running its limit of "
                    + limits.maxActiveRuns() + " runs", 1);
        }
        String runId = Ids.newId("r_");
        Session session;
        try {
            session = claimSession(request.sessionId(), subject, runId);
        } catch (Refusal refusal) {
            active.decrementAndGet();
            rateLimiter.refund(subject);
            throw refusal;
        }

        var run = new Run(runId, session.id(), request.workflow(), subject, request.onDisconnect(), eventLog.create(runId));
        var workflowRun = new WorkflowRun(workflow, new WorkflowRun.Inputs(request.input(), request.system(), history(session),
                request.documents(), request.provider(), request.model(), request.maxTokens()),
                providers, run.log()::append, metrics, run::stopRequested);
        run.setWorkflow(workflowRun);
        runs.put(runId, run);
        metrics.runStarted();
        if (request.background() && request.onDisconnect() == OnDisconnect.GRACE) {
            run.markUnfollowedFromStart();
            scheduleGraceCheck(run);
        }
        Thread.ofVirtual().name("run " + runId).start(() -> execute(run, workflowRun, request.input()));
        return run;
    }

    /**
     * The session the run continues (or a new one), marked busy with this run: two runs at
     * once would each append half a conversation.
     */
    private Session claimSession(String sessionId, String subject, String runId) {
        if (sessionId == null) {
            Session fresh = sessions.create(subject);
            busySessions.put(fresh.id(), runId);
            return fresh;
        }
        Session session = sessions.find(sessionId).filter(s -> s.owner().equals(subject)).orElseThrow(
                () -> new Refusal(Refusal.Kind.NOT_FOUND, "unknown session '" + sessionId
                        + "': leave session_id out to start a new conversation"));
        String running = busySessions.putIfAbsent(session.id(), runId);
        if (running != null) {
            throw new Refusal(Refusal.Kind.CONFLICT, "session '" + session.id() + "' already has a running run ("
                    + running + "): wait for it to end or cancel it");
        }
        return session;
    }

    /** The session's messages as a model sees them. */
    private static List<ChatMessage> history(Session session) {
        var messages = new ArrayList<ChatMessage>();
        for (StoredMessage m : session.messages()) {
            messages.add("user".equals(m.role()) ? ChatMessage.user(m.content()) : ChatMessage.assistant(m.content()));
        }
        return messages;
    }

    /** Every provider the workflow's agents will call, so a missing one is refused before the run starts. */
    private static java.util.Set<String> providersNamed(Step step, String runDefault) {
        var names = new java.util.LinkedHashSet<String>();
        if (runDefault != null) names.add(runDefault);
        collectProviders(step, names);
        return names;
    }

    private static void collectProviders(Step step, java.util.Set<String> names) {
        switch (step) {
            case Step.Agent a -> { if (a.provider() != null) names.add(a.provider()); }
            case Step.Plan p -> collectProviders(p.agent(), names);
            case Step.FanOut f -> collectProviders(f.template(), names);
            case Step.Sequential s -> s.steps().forEach(c -> collectProviders(c, names));
            case Step.Parallel p -> p.steps().forEach(c -> collectProviders(c, names));
            case Step.Loop l -> l.steps().forEach(c -> collectProviders(c, names));
        }
    }

    /** The body of a run's owner thread. Whatever happens, the run ends with {@code done}. */
    private void execute(Run run, WorkflowRun workflow, String input) {
        RunStatus status = RunStatus.FAILED;
        Throwable failure = null;
        Stopper<RunStatus> stopper = run.stopper();
        try {
            run.log().append(new RunEvent.RunStarted(run.workflow(), run.sessionId()));
            if (!stopper.enter()) {
                status = stopper.skip(RunStatus.CANCELLED);
            } else {
                RunStatus scopeEnded;
                try (var scope = StructuredTaskScope.open(Joiner.awaitAllSuccessfulOrThrow(),
                        config -> config.withTimeout(limits.runTimeout()))) {
                    scope.fork(() -> {
                        workflow.execute();
                        return null;
                    });
                    scope.join();
                    scopeEnded = RunStatus.COMPLETED;
                } catch (InterruptedException e) {
                    scopeEnded = RunStatus.CANCELLED;
                } catch (StructuredTaskScope.TimeoutException e) {
                    scopeEnded = RunStatus.TIMED_OUT;
                } catch (StructuredTaskScope.FailedException e) {
                    failure = e.getCause();
                    boolean agentCancelled = failure instanceof AgentStopped stopped
                            && stopped.outcome() == AgentStopped.Outcome.CANCELLED;
                    scopeEnded = agentCancelled ? RunStatus.CANCELLED : RunStatus.FAILED;
                }
                status = stopper.leave(scopeEnded);
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            status = stopper.skip(RunStatus.FAILED);
        } finally {
            finish(run, status, failure, workflow, input);
        }
    }

    /**
     * Writes a run's last words in an order clients can rely on: the error (if any),
     * {@code agent_completed} for agents cut short, the session's history, and then
     * {@code done}, so that a client that has seen {@code done} finds the history written.
     */
    private void finish(Run run, RunStatus status, Throwable failure, WorkflowRun workflow, String input) {
        var log = run.log();
        String output = workflow.output();
        Usage usage = Usage.ZERO;
        try {
            if (status == RunStatus.FAILED && !(failure instanceof AgentStopped)) {
                var error = failure instanceof WorkflowException we
                        ? new RunEvent.Error(we.code(), we.getMessage(), false, null)
                        : new RunEvent.Error("internal_error", "the run failed unexpectedly: " + failure, false, null);
                log.append(error);
                metrics.error(error.code());
            } else if (status == RunStatus.TIMED_OUT) {
                log.append(new RunEvent.Error("timed_out", "the run took longer than its limit of "
                        + Settings.human(limits.runTimeout()) + " (WEFT_RUN_TIMEOUT)", false, null));
                metrics.error("timed_out");
            }
            for (WorkflowRun.AgentRun agent : workflow.agents()) {
                if (!agent.transcript().started()) continue;
                Usage used = WorkflowRun.usageOf(agent);
                usage = usage.plus(used);
                if (!agent.transcript().reported()) {
                    log.append(new RunEvent.AgentCompleted(agent.name(), agent.transcript().text(), used));
                    agent.transcript().markReported();
                }
                // A completed call delivered all it generated; one cut short, only what was streamed.
                long delivered = agent.transcript().completed() ? used.outputTokens() : Usage.estimateTokens(agent.transcript().text());
                metrics.tokens(agent.agent().provider().name(), used.outputTokens(), delivered);
            }
            sessions.append(run.sessionId(), List.of(
                    new StoredMessage("user", input, "completed", run.id()),
                    new StoredMessage("assistant", output, status.messageStatus(), run.id())));
        } finally {
            busySessions.remove(run.sessionId(), run.id());
            run.end(status, output, usage);
            active.decrementAndGet();
            metrics.runEnded(status.wire(), (System.nanoTime() - run.startedNanos()) / 1e9);
            log.append(new RunEvent.Done(status.wire(), output, usage));
            run.finished().complete(run);
            timers.schedule(() -> evict(run), limits.retention().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void evict(Run run) {
        runs.remove(run.id(), run);
        eventLog.delete(run.id());
    }

    /** Cancels a run: accepted while it runs, refused with its status once it has ended. */
    public Stopper.Answer<RunStatus> cancel(Run run) {
        return run.requestStop(RunStatus.CANCELLED);
    }

    /** A client started following the run. */
    public void attach(Run run) {
        run.followerAttached();
    }

    /** A client stopped following; apply the run's {@code on_disconnect} policy if it was the last. */
    public void detach(Run run) {
        if (run.followerDetached() > 0 || !run.isRunning()) return;
        switch (run.onDisconnect()) {
            case CANCEL -> run.requestStop(RunStatus.CANCELLED);
            case GRACE -> scheduleGraceCheck(run);
            case CONTINUE -> { }
        }
    }

    private void scheduleGraceCheck(Run run) {
        long grace = limits.disconnectGrace().toNanos();
        timers.schedule(() -> {
            if (run.unfollowedFor(grace)) run.requestStop(RunStatus.CANCELLED);
        }, grace, TimeUnit.NANOSECONDS);
    }

    /**
     * Stops taking runs, lets running ones finish for {@code grace}, then cancels the rest
     * and waits briefly for their {@code done} events, so every open stream ends properly.
     */
    public void shutdown(Duration grace) {
        draining = true;
        List<Run> running = runs.values().stream().filter(Run::isRunning).toList();
        if (!awaitAll(running, grace)) {
            running.forEach(run -> run.requestStop(RunStatus.CANCELLED));
            awaitAll(running, CANCEL_WAIT);
        }
    }

    private static boolean awaitAll(List<Run> running, Duration timeout) {
        try {
            CompletableFuture.allOf(running.stream().map(Run::finished).toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a run's completion never fails", e);
        }
    }
}
