package weft.store;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Every run's {@link RunRecord}, found here by every instance: HTTP reads runs from this store
 * only. A run's status changes once, from {@code running} to how it ended, by compare-and-set,
 * so an instance that finishes a run and one that declares it lost cannot both win.
 * Methods throw {@link StoreUnavailable} when a shared store does not answer.
 */
public interface RunStore {

    void create(RunRecord record);

    /** Empty for an unknown run and for one whose retention is over. */
    Optional<RunRecord> find(String runId);

    /** Ends a running run; false if it had already ended (or is unknown), and then nothing changes. */
    boolean end(String runId, RunRecord.Ending ending);

    /** Extends the leases of runs {@code instance} executes. */
    void renewLeases(String instance, Collection<String> runIds, long leaseUntil);

    /** Running runs whose lease ran out before {@code now}: their instance is gone. */
    List<RunRecord> expiredLeases(long now, int max);
}
