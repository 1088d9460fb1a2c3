package weft.runs;

import weft.providers.Usage;
import weft.workflows.AgentStopped;
import weft.workflows.Stopper;
import weft.workflows.WorkflowRun;

import java.util.Optional;
import weft.store.RunLog;

import java.util.concurrent.CompletableFuture;

/**
 * One run: its identity, its event log, and the few facts that change while it runs.
 *
 * <p>A run is executed by its own virtual thread, the owner of its {@code StructuredTaskScope}.
 * {@link #requestStop} interrupts that owner while it waits in the scope, which cancels every
 * agent of the run; the {@link Stopper} makes a stop racing the run's own end harmless.
 */
public final class Run {
    private final String id;
    private final String sessionId;
    private final String workflow;
    private final String owner;
    private final OnDisconnect onDisconnect;
    private final long createdAt = System.currentTimeMillis();
    private final long startedNanos = System.nanoTime();
    private final RunLog log;
    private final CompletableFuture<Run> finished = new CompletableFuture<>();

    private final Stopper<RunStatus> stopper = new Stopper<>();
    private WorkflowRun workflowRun;

    // Guarded by this.
    private RunStatus status = RunStatus.RUNNING;
    private String output;
    private Usage usage = Usage.ZERO;
    private long endedAt;
    private int followers;
    private long lastFollowerLeftNanos;

    Run(String id, String sessionId, String workflow, String owner, OnDisconnect onDisconnect, RunLog log) {
        this.id = id;
        this.sessionId = sessionId;
        this.workflow = workflow;
        this.owner = owner;
        this.onDisconnect = onDisconnect;
        this.log = log;
    }

    public String id() { return id; }

    public String sessionId() { return sessionId; }

    public String workflow() { return workflow; }

    public String owner() { return owner; }

    public RunLog log() { return log; }

    OnDisconnect onDisconnect() { return onDisconnect; }

    long startedNanos() { return startedNanos; }

    /** Completes with this run once its {@code done} event is in the log. */
    public CompletableFuture<Run> finished() { return finished; }

    /** What {@code GET /v1/runs/{id}} shows. */
    public record Snapshot(String runId, String sessionId, String workflow, RunStatus status, String output,
                           Usage usage, long createdAt, Long endedAt) {}

    public synchronized Snapshot snapshot() {
        return new Snapshot(id, sessionId, workflow, status, output, usage, createdAt,
                status == RunStatus.RUNNING ? null : endedAt);
    }

    public synchronized boolean isRunning() {
        return status == RunStatus.RUNNING;
    }

    /** Asks the run to stop with {@code reason}: accepted while it runs, else refused with how it ended. */
    public Stopper.Answer<RunStatus> requestStop(RunStatus reason) {
        return stopper.stop(reason);
    }

    /** Whether the run has been asked to stop: the workflow checks before each step. */
    public boolean stopRequested() {
        return stopper.stopRequested();
    }

    /** Set once, before the run's thread starts (which publishes it). */
    void setWorkflow(WorkflowRun workflowRun) {
        this.workflowRun = workflowRun;
    }

    /** Stops one agent of the run: see {@code POST /v1/runs/{id}/agents/{agent}/cancel}. */
    public Optional<Stopper.Answer<AgentStopped.Outcome>> cancelAgent(String agent) {
        return workflowRun.cancelAgent(agent);
    }

    /** The owner thread's side of stopping: see {@link Stopper}. */
    Stopper<RunStatus> stopper() {
        return stopper;
    }

    synchronized void end(RunStatus status, String output, Usage usage) {
        this.status = status;
        this.output = output;
        this.usage = usage;
        this.endedAt = System.currentTimeMillis();
    }

    synchronized void followerAttached() {
        followers++;
    }

    /** Returns how many followers remain. */
    synchronized int followerDetached() {
        followers--;
        lastFollowerLeftNanos = System.nanoTime();
        return followers;
    }

    /** For the {@code grace} policy: true if nobody has followed for at least {@code graceNanos}. */
    synchronized boolean unfollowedFor(long graceNanos) {
        return followers == 0 && System.nanoTime() - lastFollowerLeftNanos >= graceNanos;
    }

    synchronized void markUnfollowedFromStart() {
        lastFollowerLeftNanos = System.nanoTime();
    }
}
