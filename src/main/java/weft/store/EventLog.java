package weft.store;

import weft.events.LoggedEvent;

import java.time.Duration;
import java.util.List;

/**
 * Where runs' events live. The instance that executes a run appends through the run's
 * {@link RunLog}; any instance's followers read with {@link #after}. Because followers only
 * read, a run does not care who follows it, how many do, or whether they come and go.
 * Methods throw {@link StoreUnavailable} when a shared store does not answer.
 */
public interface EventLog {

    /** A new, empty log for a run this instance executes. */
    RunLog create(String runId);

    /**
     * The log of a run whose instance is gone, to write its last events after {@code lastSeq}.
     * A shared log refuses an event whose number is already taken, so if the instance was
     * not gone after all, only one of the two writes its ending.
     */
    RunLog reopen(String runId, long lastSeq);

    /**
     * The run's events after {@code seq}, in order. When there are none yet, waits up to
     * {@code wait} for one and returns an empty list if none came.
     *
     * @throws CorruptLog when the log holds something that is not one of Weft's events
     */
    List<LoggedEvent> after(String runId, long seq, Duration wait) throws InterruptedException;

    /**
     * Every event the run's log holds now, without waiting. {@link #after} answers a page at
     * a time (a shared log caps one read), so whoever needs the whole of a long run, such as a
     * research run's thousands of deltas, reads it here.
     */
    default List<LoggedEvent> all(String runId) throws InterruptedException {
        var all = new java.util.ArrayList<LoggedEvent>();
        for (List<LoggedEvent> page; !(page = after(runId, all.isEmpty() ? 0 : all.getLast().seq(), Duration.ZERO)).isEmpty(); ) {
            all.addAll(page);
        }
        return all;
    }

    /** Forgets a run's events (its retention is over). */
    void delete(String runId);

    /** A log that holds an entry that is not Weft's (written by another program under Weft's keys). */
    final class CorruptLog extends RuntimeException {
        public CorruptLog(String message) {
            super(message, null, false, false);
        }
    }
}
