package weft.events;

/**
 * An event as it sits in a run's log: its sequence number, its SSE event name, and the
 * complete SSE frame, rendered once at append time so that every follower of the run
 * writes the same bytes without serialising again.
 *
 * @param appendedNanos {@link System#nanoTime()} when the event entered the log, so the
 *                      server can measure how long an event takes to reach a client
 */
public record LoggedEvent(long seq, String type, byte[] frame, long appendedNanos) {
    public boolean isDone() {
        return "done".equals(type);
    }
}
