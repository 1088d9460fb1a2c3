package weft.events;

/**
 * An event as it sits in a run's log: its sequence number in the run (1, 2, 3 … without
 * gaps), when it was logged, and the typed event itself. How it looks on a wire is up to
 * whoever serves it (Weft's SSE, later other encodings): the log holds no frames.
 *
 * @param ts            epoch milliseconds when the event was logged
 * @param appendedNanos {@link System#nanoTime()} when this process received the event, so the
 *                      server can measure how long an event takes to reach a client
 */
public record LoggedEvent(long seq, long ts, RunEvent event, long appendedNanos) {
    public String type() {
        return event.type();
    }

    public boolean isDone() {
        return event instanceof RunEvent.Done;
    }
}
