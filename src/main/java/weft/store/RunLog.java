package weft.store;

import weft.events.LoggedEvent;
import weft.events.RunEvent;

import java.time.Duration;
import java.util.List;

/** The ordered events of one run: appended by the run, read by any number of followers. */
public interface RunLog {

    /** Appends an event with the next sequence number (1, 2, 3 … without gaps). Thread-safe. */
    LoggedEvent append(RunEvent event);

    /**
     * The events after {@code seq}, in order. When there are none yet, waits up to
     * {@code wait} for one to be appended and returns an empty list if none was.
     */
    List<LoggedEvent> after(long seq, Duration wait) throws InterruptedException;

    /** True once the run's {@code done} event is in the log: nothing will follow it. */
    boolean closed();
}
