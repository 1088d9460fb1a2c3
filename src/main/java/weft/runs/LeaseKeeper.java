package weft.runs;

import weft.store.RunRecord;
import weft.store.RunStore;

import java.time.Duration;
import java.util.HashSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps this instance's promise about its runs and checks the others'. Three times per lease
 * it renews the leases of the runs it executes, tries again to record endings the store
 * refused, and ends the runs whose lease ran out: their instance died without a word.
 */
public final class LeaseKeeper implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("weft");
    private static final int LOST_PER_TICK = 100;

    private final String instance;
    private final Duration lease;
    private final RunStore runs;
    private final RunExecutor executor;
    private final RunFinisher finisher;
    private final LostRuns lost;
    private final ScheduledFuture<?> ticks;

    public LeaseKeeper(String instance, Duration lease, RunStore runs, RunExecutor executor, RunFinisher finisher,
                       LostRuns lost, ScheduledExecutorService timers) {
        this.instance = instance;
        this.lease = lease;
        this.runs = runs;
        this.executor = executor;
        this.finisher = finisher;
        this.lost = lost;
        long period = Math.max(1, lease.toMillis() / 3);
        this.ticks = timers.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    /** One round; a store that does not answer is tried again at the next. */
    void tick() {
        try {
            long now = System.currentTimeMillis();
            var mine = new HashSet<>(executor.ids());
            mine.addAll(finisher.pendingIds());
            if (!mine.isEmpty()) runs.renewLeases(instance, mine, now + lease.toMillis());
            finisher.retryPending();
            for (RunRecord expired : runs.expiredLeases(now, LOST_PER_TICK)) {
                // A run of ours that is still executing only missed a renewal (a long pause): keep it.
                if (!mine.contains(expired.id())) lost.end(expired);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "lease round failed, next one soon: " + e);
        }
    }

    @Override
    public void close() {
        ticks.cancel(false);
    }
}
