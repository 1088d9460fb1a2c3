package weft.workflows;

/**
 * Stops a thread that waits inside a {@code StructuredTaskScope}, from another thread.
 *
 * <p>A scope has no {@code cancel()} that another thread may call. What works is to interrupt
 * the scope's owner while it waits in {@code join()}: {@code join} throws, and leaving the
 * try-with-resources block cancels every subtask, which interrupts each of them in turn. This
 * class does that safely: the owner is interrupted only while it is inside the scope, never
 * while it writes its final events, and a stop that comes after the owner has left is
 * refused with the outcome it ended with, so a stop racing the natural end always gets a
 * consistent answer.
 *
 * @param <S> how the guarded work can end, e.g. a run's status
 */
public final class Stopper<S> {
    private Thread owner;
    private boolean inside;
    private S reason;
    private S outcome;
    private boolean over;

    /**
     * The answer to {@link #stop}: accepted, or refused because the work ended with
     * {@code outcome} (null when it ended the ordinary way and {@code S} has no word for that).
     */
    public record Answer<S>(boolean accepted, S outcome) {}

    /** Asks the work to stop with {@code why}; harmless when it is already stopping or over. */
    public synchronized Answer<S> stop(S why) {
        if (over) return new Answer<>(false, outcome);
        if (reason == null) {
            reason = why;
            if (inside) owner.interrupt();
        }
        return new Answer<>(true, null);
    }

    /** Called by the owner as it opens its scope; false if a stop came first. */
    public synchronized boolean enter() {
        if (reason != null) return false;
        owner = Thread.currentThread();
        inside = true;
        return true;
    }

    /**
     * Called by the owner once its scope has closed. From now on no stop interrupts it; a stop
     * that came in time wins over how the scope ended, and clears the interrupt it sent.
     */
    public synchronized S leave(S howTheScopeEnded) {
        inside = false;
        over = true;
        if (reason != null) Thread.interrupted();
        outcome = reason != null ? reason : howTheScopeEnded;
        return outcome;
    }

    /** For work that never entered its scope: ends it with the stop's reason, or {@code otherwise}. */
    public synchronized S skip(S otherwise) {
        over = true;
        outcome = reason != null ? reason : otherwise;
        return outcome;
    }

    /** Whether a stop was asked for (the interrupt the owner got came from here). */
    public synchronized boolean stopRequested() {
        return reason != null;
    }

    /** Whether the work has ended (or will not start). */
    public synchronized boolean over() {
        return over;
    }
}
