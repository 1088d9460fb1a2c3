package weft.runs;

import weft.store.RunRecord;
import weft.store.RunStatus;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Counts who follows each run and applies the run's {@code on_disconnect} policy when the
 * last follower leaves: {@code cancel} at once, {@code grace} after the grace period if nobody
 * came back, {@code continue} never. The count lives where the run executes; a follower on
 * another instance is counted there through {@link Peers}.
 */
public final class Followers {
    private final String instance;
    private final RunExecutor executor;
    private final Peers peers;
    private final ScheduledExecutorService timers;
    private final long graceNanos;

    public Followers(String instance, RunExecutor executor, Peers peers, ScheduledExecutorService timers,
                     Duration grace) {
        this.instance = instance;
        this.executor = executor;
        this.peers = peers;
        this.timers = timers;
        this.graceNanos = grace.toNanos();
    }

    /** A client started following the run. */
    public void came(RunRecord run) {
        if (!run.running()) return;
        if (run.instance().equals(instance)) changed(run.id(), +1);
        else peers.followers(run.instance(), run.id(), +1);
    }

    /** A client stopped following it. */
    public void left(RunRecord run) {
        if (!run.running()) return;
        if (run.instance().equals(instance)) changed(run.id(), -1);
        else peers.followers(run.instance(), run.id(), -1);
    }

    /** A follower of a run executing here came or went, here or on another instance. */
    void changed(String runId, int change) {
        executor.find(runId).ifPresent(run -> {
            if (change > 0) {
                run.followerCame();
            } else if (run.followerLeft() == 0 && !run.stopper.over()) {
                switch (run.onDisconnect) {
                    case CANCEL -> run.stopper.stop(RunStatus.CANCELLED);
                    case GRACE -> scheduleGraceCheck(run);
                    case CONTINUE -> { }
                }
            }
        });
    }

    /** A background run with the {@code grace} policy starts unfollowed: the grace period runs from now. */
    void unfollowedFromStart(Execution run) {
        run.unfollowedFromStart();
        scheduleGraceCheck(run);
    }

    private void scheduleGraceCheck(Execution run) {
        run.graceCheck(timers.schedule(() -> {
            if (run.unfollowedFor(graceNanos)) run.stopper.stop(RunStatus.CANCELLED);
        }, graceNanos, TimeUnit.NANOSECONDS));
    }
}
