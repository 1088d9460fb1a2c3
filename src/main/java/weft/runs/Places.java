package weft.runs;

import weft.store.UserCounters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One per-user limit on things held at once (running runs, open streams), counted in the
 * {@link UserCounters} so that it holds across instances. This instance remembers the places
 * it holds, renews them within their lease ({@link #renew}) and gives them all back at
 * shutdown; a place it could not give back (the store did not answer) lapses at its expiry.
 */
public final class Places {
    private static final System.Logger LOG = System.getLogger("weft");

    private final String kind;
    private final int max;
    private final UserCounters counters;
    private final long leaseMillis;
    private final ConcurrentMap<String, String> keyOfHolder = new ConcurrentHashMap<>();

    /** {@code max} places of {@code kind} per user, 0 for no limit; each lapses {@code lease} after its last renewal. */
    public Places(String kind, int max, UserCounters counters, Duration lease) {
        this.kind = kind;
        this.max = max;
        this.counters = counters;
        this.leaseMillis = lease.toMillis();
    }

    public int max() {
        return max;
    }

    /** Takes a place for {@code holder}; false when the user holds all of theirs. */
    boolean claim(String key, String holder) {
        if (max == 0) return true;
        long now = System.currentTimeMillis();
        if (!counters.claim(kind, key, holder, max, now, now + leaseMillis)) return false;
        keyOfHolder.put(holder, key);
        return true;
    }

    /** Gives the holder's place back; nothing if it had none. */
    void release(String holder) {
        String key = keyOfHolder.remove(holder);
        if (key == null) return;
        try {
            counters.release(kind, key, holder);
        } catch (RuntimeException storeDown) {
            LOG.log(System.Logger.Level.DEBUG, "a " + kind + " place lapses by itself, the store did not take it back: " + storeDown);
        }
    }

    /** Renews every place held here; call well within the lease. */
    public void renew() {
        if (keyOfHolder.isEmpty()) return;
        Map<String, List<String>> byKey = new HashMap<>();
        keyOfHolder.forEach((holder, key) -> byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(holder));
        counters.renew(kind, byKey, System.currentTimeMillis() + leaseMillis);
    }

    /** Gives back every place held here: the instance is stopping. */
    public void releaseAll() {
        List.copyOf(keyOfHolder.keySet()).forEach(this::release);
    }

    /** Places this instance holds now. */
    public int held() {
        return keyOfHolder.size();
    }
}
