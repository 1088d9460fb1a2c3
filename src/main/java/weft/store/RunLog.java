package weft.store;

import weft.events.LoggedEvent;
import weft.events.RunEvent;

/** One run's log as the instance that executes the run writes it. */
public interface RunLog {

    /**
     * Appends an event with the next sequence number (1, 2, 3 … without gaps) and returns it
     * at once; a shared log may store it a moment later, in order, and no follower sees it
     * before it is stored. Thread-safe.
     */
    LoggedEvent append(RunEvent event);

    /** The sequence number of the last event appended (0 for none). */
    long lastSeq();

    /** Waits until every event appended so far is stored; throws {@link StoreUnavailable} if it cannot be. */
    void sync() throws InterruptedException;
}
