package weft.redis;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/** The {@link Tail}s of the runs that followers on this instance wait for. */
final class Tails {
    /** A tail nobody has asked for this long is dropped (and its run no longer read). */
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final ConcurrentMap<String, Tail> tails = new ConcurrentHashMap<>();
    /** Runs whose events this instance writes. */
    private final Set<String> local = ConcurrentHashMap.newKeySet();
    private final Object watchedChanged = new Object();

    Optional<Tail> find(String runId) {
        return Optional.ofNullable(tails.get(runId));
    }

    /** The tail for a run, created at {@code tip} if there is none; a new remote one wakes the reader. */
    Tail watch(String runId, long tip, Runnable wakeReader) {
        boolean[] created = {false};
        Tail tail = tails.computeIfAbsent(runId, id -> {
            created[0] = true;
            return new Tail(id, local.contains(id), tip);
        });
        if (created[0] && !tail.local) {
            synchronized (watchedChanged) {
                watchedChanged.notifyAll();
            }
            wakeReader.run();
        }
        return tail;
    }

    void writesHere(String runId) {
        local.add(runId);
    }

    void writesEnded(String runId) {
        local.remove(runId);
    }

    /** Tails the reader reads, after dropping those nobody uses any more. */
    List<Tail> remote() {
        tails.values().removeIf(t -> t.unusedFor(IDLE_NANOS));
        return tails.values().stream().filter(t -> !t.local).toList();
    }

    List<Tail> all() {
        return List.copyOf(tails.values());
    }

    /** For the reader when there is nothing to read: waits until a remote tail appears. */
    void awaitRemote(long millis) throws InterruptedException {
        synchronized (watchedChanged) {
            if (tails.values().stream().noneMatch(t -> !t.local)) watchedChanged.wait(millis);
        }
    }
}
