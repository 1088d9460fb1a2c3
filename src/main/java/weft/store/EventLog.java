package weft.store;

import java.util.Optional;

/**
 * Where runs' events live. A run appends to its {@link RunLog}; every SSE connection reads
 * from it. Because connections only read, a run does not care who follows it, how many do,
 * or whether they come and go. In memory by default; a shared store lets several Weft
 * instances serve the same runs.
 */
public interface EventLog {

    /** A new, empty log for a run. */
    RunLog create(String runId);

    Optional<RunLog> find(String runId);

    /** Forgets a run's events (retention is over). */
    void delete(String runId);
}
