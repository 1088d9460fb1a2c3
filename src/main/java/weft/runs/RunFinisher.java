package weft.runs;

import weft.providers.ChatMessage;

import weft.config.Secrets;
import weft.config.Settings;
import weft.events.RunEvent;
import weft.metrics.Metrics;
import weft.providers.Usage;
import weft.store.RunRecord;
import weft.store.RunStatus;
import weft.store.RunStore;
import weft.store.SessionLocks;
import weft.store.SessionStore;
import weft.store.StoredMessage;
import weft.workflows.AgentStopped;
import weft.workflows.WorkflowException;
import weft.workflows.WorkflowRun;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * Writes a run's last words, in an order clients can rely on: the error (if any),
 * {@code agent_completed} for agents cut short, the session's history, the run's record,
 * the session's lock and the counters given back, and then {@code done}, so that a client
 * that has seen {@code done} finds all of it settled.
 *
 * <p>Finishing cannot fail silently. Each step stands alone: whatever one of them throws,
 * the next still runs, the session is released, the counters come back and whoever waits
 * for the run is told. An ending the run store would not take is kept and tried again by
 * {@link #retryPending} (the lease keeper calls it), so the record still reaches its final
 * status once the store answers.
 */
public final class RunFinisher {
    private static final System.Logger LOG = System.getLogger("weft");

    private final RunStore runs;
    private final SessionStore sessions;
    private final SessionLocks locks;
    private final Admission admission;
    private final Metrics metrics;
    private final Duration runTimeout;
    private final Secrets secrets;
    private final Consumer<RunEnded> ended;
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();

    /** A step of finishing the store refused, to be tried again. */
    private record Pending(String runId, String what, Runnable action) {}

    /**
     * @param secrets masked in the error messages it writes and logs
     * @param ended   told of each run once its {@code done} is written (the access log)
     */
    public RunFinisher(RunStore runs, SessionStore sessions, SessionLocks locks, Admission admission, Metrics metrics,
                Duration runTimeout, Secrets secrets, Consumer<RunEnded> ended) {
        this.runs = runs;
        this.sessions = sessions;
        this.locks = locks;
        this.admission = admission;
        this.metrics = metrics;
        this.runTimeout = runTimeout;
        this.secrets = secrets;
        this.ended = ended;
    }

    /**
     * The turn as the session keeps it: its lead (if any), the user's message (unless the run
     * went on from tool results), then the answering agent's tool rounds and text; the last
     * message carries how the run ended.
     */
    private static List<StoredMessage> stored(Execution run, RunStatus status) {
        var messages = new java.util.ArrayList<StoredMessage>();
        for (ChatMessage m : run.lead) messages.add(stored(m, "completed", run.id()));
        if (run.input != null) messages.add(new StoredMessage("user", run.input, "completed", run.id()));
        List<ChatMessage> turn = run.workflow.outputTurn();
        for (int i = 0; i < turn.size(); i++) {
            String end = i == turn.size() - 1 ? status.messageStatus() : "completed";
            messages.add(stored(turn.get(i), end, run.id()));
        }
        return messages;
    }

    private static StoredMessage stored(ChatMessage m, String status, String runId) {
        return switch (m.role()) {
            case USER -> new StoredMessage("user", m.content(), status, runId);
            case TOOL -> new StoredMessage("tool", m.content(), status, runId, List.of(), m.result());
            case ASSISTANT -> new StoredMessage("assistant", m.content(), status, runId, m.toolCalls(), null);
        };
    }

    void finish(Execution run, RunStatus status, Throwable failure) {
        WorkflowRun workflow = run.workflow;
        String output = workflow.output();
        Usage usage = Usage.ZERO;
        RunRecord.Ending ending = null;
        boolean settled = false;
        try {
            step(run, "write its error event", () -> reportFailure(run, status, failure));
            for (WorkflowRun.AgentRun agent : workflow.agents()) {
                if (!agent.transcript().started()) continue;
                Usage used = WorkflowRun.usageOf(agent);
                usage = usage.plus(used);
                step(run, "report agent " + agent.name(), () -> {
                    if (!agent.transcript().reported()) {
                        run.log.append(new RunEvent.AgentCompleted(agent.name(), agent.transcript().text(), used));
                        agent.transcript().markReported();
                    }
                });
                // A completed call delivered all it generated; one cut short, only what was streamed.
                long delivered = agent.transcript().completed() ? used.outputTokens() : Usage.estimateTokens(agent.transcript().text());
                metrics.tokens(agent.agent().provider().name(), used.outputTokens(), delivered);
            }
            if (run.started.hasSession()) {
                step(run, "append to its session", () -> sessions.append(run.started.sessionId(), stored(run, status)));
            }
            // Nothing but this thread appends now, so done's number is known before done is written.
            ending = new RunRecord.Ending(status, output, usage, System.currentTimeMillis(), run.log.lastSeq() + 1);
            RunRecord.Ending end = ending;
            if (!step(run, "record its ending", () -> runs.end(run.id(), end))) {
                pending.add(new Pending(run.id(), "record its ending", () -> runs.end(run.id(), end)));
            }
            // A client that has seen done may start the session's next run at once: settle first.
            settled = settle(run, status, usage);
            Usage total = usage;
            step(run, "write done", () -> {
                run.log.append(new RunEvent.Done(status.wire(), output, total));
                run.log.sync();
            });
        } finally {
            if (!settled) settle(run, status, usage);
            tell(run, status, usage); // before finished: a shutdown that waits for the run waits for its line
            run.finished.complete(ending == null ? run.started : run.started.endedAs(ending));
        }
    }

    /** The access log's line; a failure to write it must not touch the run. */
    private void tell(Execution run, RunStatus status, Usage usage) {
        try {
            var providers = new LinkedHashSet<String>();
            long firstText = Long.MAX_VALUE;
            for (WorkflowRun.AgentRun agent : run.workflow.agents()) {
                providers.add(agent.agent().provider().name());
                long at = agent.transcript().firstTextNanos();
                if (at != 0) firstText = Math.min(firstText, at);
            }
            Long ttft = firstText == Long.MAX_VALUE ? null : Math.max(0, (firstText - run.startedNanos) / 1_000_000);
            ended.accept(new RunEnded(run.id(), run.started.owner(), status.wire(), run.started.workflow(),
                    List.copyOf(providers), usage.inputTokens(), usage.outputTokens(), usage.estimated(), ttft,
                    (System.nanoTime() - run.startedNanos) / 1_000_000));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "run " + run.id() + ": the access log failed: " + e);
        }
    }

    /**
     * Gives back what the run held: its session, its timers, its places among the active runs
     * and its user's; and counts its output tokens (estimated ones too) against the user's day.
     */
    private boolean settle(Execution run, RunStatus status, Usage usage) {
        Runnable release = () -> { if (run.started.hasSession()) locks.release(run.started.sessionId(), run.id()); };
        if (!step(run, "release its session", release::run)) pending.add(new Pending(run.id(), "release its session", release));
        run.cancelTimers();
        step(run, "give back its places and count its tokens",
                () -> admission.release(run.id(), run.limitKey, usage.outputTokens()));
        metrics.runEnded(status.wire(), (System.nanoTime() - run.startedNanos) / 1e9);
        return true;
    }

    private void reportFailure(Execution run, RunStatus status, Throwable failure) {
        RunEvent.Error error = null;
        if (status == RunStatus.FAILED && !(failure instanceof AgentStopped)) {
            error = failure instanceof WorkflowException we
                    ? new RunEvent.Error(we.code(), secrets.scrub(we.getMessage()), false, null)
                    : new RunEvent.Error("internal_error", secrets.scrub("the run failed unexpectedly: " + failure), false, null);
        } else if (status == RunStatus.TIMED_OUT) {
            error = new RunEvent.Error("timed_out", "the run took longer than its limit of "
                    + Settings.human(runTimeout) + " (WEFT_RUN_TIMEOUT)", false, null);
        }
        if (error != null) {
            metrics.error(error.code());
            run.log.append(error);
        }
    }

    /** Tries once more the steps the stores refused: recording endings, releasing sessions. */
    void retryPending() {
        for (int n = pending.size(); n > 0; n--) {
            Pending p = pending.poll();
            if (p == null) return;
            try {
                p.action().run();
            } catch (RuntimeException stillFailing) {
                pending.add(p);
            }
        }
    }

    /** Runs not wholly finished yet: their leases must be kept. */
    List<String> pendingIds() {
        return pending.stream().map(Pending::runId).toList();
    }

    private interface Step {
        void run() throws Exception;
    }

    /** One step of finishing; a failure is logged and counted, and finishing goes on. */
    private boolean step(Execution run, String what, Step step) {
        try {
            step.run();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception | Error e) {
            metrics.error("finish_failed");
            LOG.log(System.Logger.Level.WARNING, secrets.scrub("run " + run.id() + " could not " + what + ": " + e));
            return false;
        }
    }
}
