package weft.runs;

import weft.providers.Usage;
import weft.store.RunLog;

import java.util.concurrent.CompletableFuture;

/**
 * One run: its identity, its event log, and the few facts that change while it runs.
 *
 * <p>A run is executed by its own virtual thread, the owner of its {@code StructuredTaskScope}.
 * To cancel, another thread records why ({@link #requestStop}) and interrupts the owner while it
 * waits in {@code join()}; leaving the scope then cancels every subtask. The owner is
 * interrupted only while it is inside the scope, never while it writes the run's final events,
 * and a stop that comes too late is refused with the status the run ends with, so a cancel
 * racing the run's own end always gets a consistent answer.
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

    // Guarded by this.
    private Thread ownerThread;
    private boolean inScope;
    private RunStatus stopReason;
    private RunStatus finalStatus;
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

    /** The answer to a stop request: accepted, or refused because the run has ended (or is ending) with {@code status}. */
    public record StopResult(boolean accepted, RunStatus status) {}

    /** Asks the run to stop with {@code reason} ({@code CANCELLED}); harmless when it is already ending. */
    public synchronized StopResult requestStop(RunStatus reason) {
        if (finalStatus != null) return new StopResult(false, finalStatus);
        if (stopReason == null) {
            stopReason = reason;
            if (inScope) ownerThread.interrupt();
        }
        return new StopResult(true, RunStatus.RUNNING);
    }

    synchronized void setOwnerThread(Thread thread) {
        ownerThread = thread;
    }

    /** Called by the owner before opening the scope; false if a stop came first. */
    synchronized boolean enterScope() {
        if (stopReason != null) return false;
        inScope = true;
        return true;
    }

    /**
     * Called by the owner after the scope has closed: no interrupt can arrive after this, and
     * a stop request that came in time wins over how the scope ended.
     */
    synchronized RunStatus leaveScope(RunStatus howTheScopeEnded) {
        inScope = false;
        Thread.interrupted();
        finalStatus = stopReason != null ? stopReason : howTheScopeEnded;
        return finalStatus;
    }

    /** The run will not enter its scope (stopped before it began, or it could not start). */
    synchronized RunStatus skipScope(RunStatus otherwise) {
        finalStatus = stopReason != null ? stopReason : otherwise;
        return finalStatus;
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
