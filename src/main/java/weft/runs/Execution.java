package weft.runs;

import weft.providers.ChatMessage;
import weft.store.RunLog;
import weft.store.RunRecord;
import weft.store.RunStatus;
import weft.workflows.Stopper;
import weft.workflows.WorkflowRun;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * A run as the instance that executes it holds it: the parts that cannot leave the process
 * (the run's thread, its scope's {@link Stopper}, the workflow's agents) and the few facts
 * that change while it runs. Everything the other instances need is in its {@link RunRecord}.
 */
final class Execution {
    final RunRecord started;
    /** Whose limits the run counts against ({@code Principal.limitKey()}). */
    final String limitKey;
    /** The user's new message; null when the run goes on from the tool results its {@code lead} ends with. */
    final String input;
    /** What opens the run's turn in its session before {@code input} ({@link RunRequest.Conversation#lead()}). */
    final List<ChatMessage> lead;
    final OnDisconnect onDisconnect;
    final RunLog log;
    final WorkflowRun workflow;
    final Stopper<RunStatus> stopper;
    final long startedNanos = System.nanoTime();
    /** Completes with the ended record once the run's {@code done} is written (or could not be). */
    final CompletableFuture<RunRecord> finished = new CompletableFuture<>();

    // Guarded by this: who follows the run, wherever they are.
    private int followers;
    private long lastFollowerLeftNanos;
    private ScheduledFuture<?> graceCheck;
    private boolean timersCancelled;

    Execution(RunRecord started, String limitKey, String input, List<ChatMessage> lead, OnDisconnect onDisconnect, RunLog log,
              WorkflowRun workflow, Stopper<RunStatus> stopper) {
        this.started = started;
        this.limitKey = limitKey;
        this.input = input;
        this.lead = List.copyOf(lead);
        this.onDisconnect = onDisconnect;
        this.log = log;
        this.workflow = workflow;
        this.stopper = stopper;
    }

    String id() {
        return started.id();
    }

    synchronized void followerCame() {
        followers++;
    }

    /** Returns how many followers remain. */
    synchronized int followerLeft() {
        followers = Math.max(0, followers - 1);
        lastFollowerLeftNanos = System.nanoTime();
        return followers;
    }

    /** True if nobody has followed for at least {@code graceNanos}. */
    synchronized boolean unfollowedFor(long graceNanos) {
        return followers == 0 && System.nanoTime() - lastFollowerLeftNanos >= graceNanos;
    }

    synchronized void unfollowedFromStart() {
        lastFollowerLeftNanos = System.nanoTime();
    }

    /**
     * Keeps one pending grace check; a newer one replaces (and cancels) the older, and one
     * that comes after the run has ended (it was scheduled as the run ended) is cancelled at once.
     */
    synchronized void graceCheck(ScheduledFuture<?> check) {
        if (graceCheck != null) graceCheck.cancel(false);
        graceCheck = check;
        if (timersCancelled) check.cancel(false);
    }

    /** The run has ended: no timer of it may stay behind. */
    synchronized void cancelTimers() {
        timersCancelled = true;
        if (graceCheck != null) graceCheck.cancel(false);
        graceCheck = null;
    }
}
