package weft.runs;

import weft.auth.Principal;
import weft.store.UserCounters;

/**
 * What one user may start: runs per minute ({@code WEFT_RATE_LIMIT}, a token bucket), runs
 * running at once ({@code WEFT_MAX_RUNS_PER_USER}) and output tokens per UTC day
 * ({@code WEFT_TOKENS_PER_DAY}). Each counts under the caller's limit key, in the shared
 * {@link UserCounters} when there are several instances. The day's quota is checked when a
 * run starts only: a run that crosses it finishes, and the next one is refused.
 */
public final class UserLimits {
    private static final long DAY_MILLIS = 86_400_000L;
    /** A running run's place comes back when it ends, which may take a while. */
    static final long PLACE_RETRY_SECONDS = 5;

    /** 0 turns each off. */
    public record Settings(int runsPerMinute, long tokensPerDay) {}

    private final UserCounters counters;
    private final Places runs;
    private final Settings settings;

    public UserLimits(UserCounters counters, Places runs, Settings settings) {
        this.counters = counters;
        this.runs = runs;
        this.settings = settings;
    }

    /** Takes a rate token and a place for run {@code runId}, or throws a {@link Refusal} naming the limit. */
    void admit(Principal caller, String runId) {
        String key = caller.limitKey();
        long now = System.currentTimeMillis();
        if (settings.tokensPerDay() > 0) {
            long used = counters.tokensUsed(key, now / DAY_MILLIS);
            if (used >= settings.tokensPerDay()) {
                throw new Refusal(Refusal.Kind.RATE_LIMITED, who(caller) + " used " + used
                        + " output tokens today (UTC); the limit is " + settings.tokensPerDay()
                        + " a day (WEFT_TOKENS_PER_DAY); it starts again at midnight UTC", secondsToMidnight(now));
            }
        }
        if (settings.runsPerMinute() > 0) {
            long wait = counters.takeToken(key, settings.runsPerMinute(), now);
            if (wait > 0) throw new Refusal(Refusal.Kind.RATE_LIMITED, "too many runs started by " + who(caller)
                    + "; the limit is " + settings.runsPerMinute() + " a minute (WEFT_RATE_LIMIT)", wait);
        }
        boolean placed = false;
        try {
            placed = runs.claim(key, runId);
        } finally {
            if (!placed) refund(key);
        }
        if (!placed) throw new Refusal(Refusal.Kind.RATE_LIMITED, who(caller) + " already has " + runs.max()
                + " runs running; the limit is " + runs.max() + " (WEFT_MAX_RUNS_PER_USER): wait for one to end or cancel one",
                PLACE_RETRY_SECONDS);
    }

    /** A run admitted was refused later after all: its place and its rate token come back. */
    void undo(Principal caller, String runId) {
        runs.release(runId);
        refund(caller.limitKey());
    }

    /** A run has ended: its place comes back. */
    void release(String runId) {
        runs.release(runId);
    }

    /** Counts the output tokens of a run that ended (estimated ones included) against its user's day. */
    void used(String key, long outputTokens) {
        if (settings.tokensPerDay() == 0 || outputTokens <= 0) return;
        counters.addTokens(key, System.currentTimeMillis() / DAY_MILLIS, outputTokens);
    }

    private void refund(String key) {
        if (settings.runsPerMinute() == 0) return;
        try {
            counters.refundToken(key, settings.runsPerMinute(), System.currentTimeMillis());
        } catch (RuntimeException storeDown) {
            // The token refills within a minute anyway.
        }
    }

    static long secondsToMidnight(long nowMillis) {
        return Math.max(1, (DAY_MILLIS - nowMillis % DAY_MILLIS + 999) / 1000);
    }

    /** The caller as a message names it: the subject of a token, else the address that counts. */
    static String who(Principal caller) {
        return caller.verified() ? "'" + caller.subject() + "'" : "the client at " + caller.address();
    }
}
