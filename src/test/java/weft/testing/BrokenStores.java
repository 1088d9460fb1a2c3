package weft.testing;

import weft.events.LoggedEvent;
import weft.events.RunEvent;
import weft.store.EventLog;
import weft.store.RunLog;
import weft.store.RunRecord;
import weft.store.RunStore;
import weft.store.Session;
import weft.store.SessionLocks;
import weft.store.SessionStore;
import weft.store.StoreUnavailable;
import weft.store.StoredMessage;
import weft.store.Stores;
import weft.store.UserCounters;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The real stores, with operations that fail on demand as a Redis that went away would
 * (with {@link StoreUnavailable}). Operations are named {@code append:<event type>},
 * {@code sync}, {@code after}, {@code runs.create}, {@code runs.find}, {@code runs.end},
 * {@code sessions.create}, {@code sessions.find}, {@code sessions.append}, {@code locks.claim},
 * {@code locks.release}, {@code counters} (every per-user counter); {@link #failOnce} breaks one for its next call only.
 */
public final class BrokenStores {
    private final Set<String> broken = ConcurrentHashMap.newKeySet();
    private final Set<String> once = ConcurrentHashMap.newKeySet();
    private final java.util.Map<String, java.util.function.Supplier<Error>> errors = new ConcurrentHashMap<>();

    public void fail(String operation) { broken.add(operation); }

    public void failOnce(String operation) { once.add(operation); }

    /** Makes {@code operation} throw an {@link Error}, as a class that cannot load does: not a store failure, a bug. */
    public void failWithError(String operation, java.util.function.Supplier<Error> error) { errors.put(operation, error); }

    public void heal() {
        broken.clear();
        once.clear();
        errors.clear();
    }

    private void check(String operation) {
        var error = errors.get(operation);
        if (error != null) throw error.get();
        if (broken.contains(operation) || once.remove(operation)) {
            throw new StoreUnavailable("test: " + operation + " is broken", null);
        }
    }

    public Stores wrap(Stores s) {
        return new Stores(events(s.events()), runs(s.runs()), sessions(s.sessions()), locks(s.locks()), s.idempotency(),
                counters(s.counters()), s.keys(), s.health(), s.counts(), s.sweep(), s.close());
    }

    private EventLog events(EventLog real) {
        return new EventLog() {
            public RunLog create(String runId) { return log(real.create(runId)); }

            public RunLog reopen(String runId, long lastSeq) { return log(real.reopen(runId, lastSeq)); }

            public List<LoggedEvent> after(String runId, long seq, Duration wait) throws InterruptedException {
                check("after");
                return real.after(runId, seq, wait);
            }

            public void delete(String runId) { real.delete(runId); }
        };
    }

    private RunLog log(RunLog real) {
        return new RunLog() {
            public LoggedEvent append(RunEvent event) {
                check("append:" + event.type());
                return real.append(event);
            }

            public long lastSeq() { return real.lastSeq(); }

            public void sync() throws InterruptedException {
                check("sync");
                real.sync();
            }
        };
    }

    private RunStore runs(RunStore real) {
        return new RunStore() {
            public void create(RunRecord record) {
                check("runs.create");
                real.create(record);
            }

            public Optional<RunRecord> find(String runId) {
                check("runs.find");
                return real.find(runId);
            }

            public boolean end(String runId, RunRecord.Ending ending) {
                check("runs.end");
                return real.end(runId, ending);
            }

            public void renewLeases(String instance, Collection<String> runIds, long leaseUntil) {
                real.renewLeases(instance, runIds, leaseUntil);
            }

            public List<RunRecord> expiredLeases(long now, int max) { return real.expiredLeases(now, max); }
        };
    }

    private SessionStore sessions(SessionStore real) {
        return new SessionStore() {
            public Session create(String owner) {
                check("sessions.create");
                return real.create(owner);
            }

            public Optional<Session> findOrCreate(String sessionId, String owner) {
                check("sessions.create");
                return real.findOrCreate(sessionId, owner);
            }

            public Optional<Session> find(String sessionId) {
                check("sessions.find");
                return real.find(sessionId);
            }

            public void append(String sessionId, List<StoredMessage> messages) {
                check("sessions.append");
                real.append(sessionId, messages);
            }

            public boolean delete(String sessionId) { return real.delete(sessionId); }
        };
    }

    private SessionLocks locks(SessionLocks real) {
        return new SessionLocks() {
            public Optional<String> claim(String sessionId, String runId) {
                check("locks.claim");
                return real.claim(sessionId, runId);
            }

            public Optional<String> holder(String sessionId) {
                check("locks.claim");
                return real.holder(sessionId);
            }

            public void release(String sessionId, String runId) {
                check("locks.release");
                real.release(sessionId, runId);
            }
        };
    }

    private UserCounters counters(UserCounters real) {
        return new UserCounters() {
            public long takeToken(String key, int perMinute, long nowMillis) {
                check("counters");
                return real.takeToken(key, perMinute, nowMillis);
            }

            public void refundToken(String key, int perMinute, long nowMillis) {
                check("counters");
                real.refundToken(key, perMinute, nowMillis);
            }

            public boolean claim(String kind, String key, String holder, int max, long nowMillis, long expiresAtMillis) {
                check("counters");
                return real.claim(kind, key, holder, max, nowMillis, expiresAtMillis);
            }

            public void renew(String kind, Map<String, ? extends Collection<String>> holdersByKey, long expiresAtMillis) {
                check("counters");
                real.renew(kind, holdersByKey, expiresAtMillis);
            }

            public void release(String kind, String key, String holder) {
                check("counters");
                real.release(kind, key, holder);
            }

            public long tokensUsed(String key, long day) {
                check("counters");
                return real.tokensUsed(key, day);
            }

            public void addTokens(String key, long day, long tokens) {
                check("counters");
                real.addTokens(key, day, tokens);
            }
        };
    }
}
