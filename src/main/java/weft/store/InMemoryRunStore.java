package weft.store;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * Run records in this process's memory, the embedded default. Running runs are kept until
 * they end; ended ones for the retention time, within a count and a byte limit (the bytes
 * of an ended run are those of its event log), oldest ended first. Evicting a run forgets
 * its events too.
 */
public final class InMemoryRunStore implements RunStore {
    /** The limits ended runs are kept within. */
    public record Limits(long retentionMillis, int maxRuns, long maxBytes) {}

    private final ConcurrentMap<String, RunRecord> running = new ConcurrentHashMap<>();
    private final Retained<String, RunRecord> ended;
    private final ToLongFunction<String> bytesOfRun;

    /**
     * @param bytesOfRun what an ended run's events take up
     * @param onEvict    called with the id of each run whose retention is over
     */
    public InMemoryRunStore(Limits limits, ToLongFunction<String> bytesOfRun, Consumer<String> onEvict) {
        this.bytesOfRun = bytesOfRun;
        this.ended = new Retained<>(limits.retentionMillis(), limits.maxRuns(), limits.maxBytes(), false,
                (id, record) -> onEvict.accept(id));
    }

    @Override
    public void create(RunRecord record) {
        if (running.putIfAbsent(record.id(), record) != null) throw new IllegalStateException("run " + record.id() + " exists");
    }

    @Override
    public Optional<RunRecord> find(String runId) {
        RunRecord live = running.get(runId);
        return live != null ? Optional.of(live) : Optional.ofNullable(ended.get(runId, System.currentTimeMillis()));
    }

    @Override
    public boolean end(String runId, RunRecord.Ending ending) {
        var won = new boolean[1];
        // Atomic per key, and the ended record is in place before the running one goes: a
        // reader never finds neither.
        running.computeIfPresent(runId, (id, record) -> {
            ended.put(id, record.endedAs(ending), 256 + (record.echo() == null ? 0 : 2L * record.echo().length())
                    + bytesOfRun.applyAsLong(id), System.currentTimeMillis());
            won[0] = true;
            return null;
        });
        return won[0];
    }

    @Override
    public void renewLeases(String instance, Collection<String> runIds, long leaseUntil) {
        for (String id : runIds) {
            running.computeIfPresent(id, (k, r) -> r.instance().equals(instance) ? r.leasedUntil(leaseUntil) : r);
        }
    }

    @Override
    public List<RunRecord> expiredLeases(long now, int max) {
        return running.values().stream().filter(r -> r.leaseUntil() < now).limit(max).toList();
    }

    /** Forgets ended runs whose retention is over; called now and then, so memory shrinks without traffic. */
    public void sweep() {
        ended.sweep(System.currentTimeMillis());
    }

    /** Runs held: running ones and ended ones within their retention. */
    public int retained() {
        return running.size() + ended.size();
    }
}
