package weft.store;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * {@link UserCounters} in this process. {@link #sweep} keeps it to what still matters: a
 * bucket full again is the same as none, a key whose places have all been released or have
 * lapsed holds nothing, and yesterday's token count is over.
 */
public final class InMemoryUserCounters implements UserCounters {
    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Map<String, Long>> places = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, DayCount> tokens = new ConcurrentHashMap<>();

    private record DayCount(long day, long count) {}

    @Override
    public long takeToken(String key, int perMinute, long nowMillis) {
        return buckets.computeIfAbsent(key, k -> new Bucket(perMinute, nowMillis)).take(nowMillis, perMinute);
    }

    @Override
    public void refundToken(String key, int perMinute, long nowMillis) {
        var bucket = buckets.get(key);
        if (bucket != null) bucket.refund(perMinute);
    }

    @Override
    public boolean claim(String kind, String key, String holder, int max, long nowMillis, long expiresAtMillis) {
        boolean[] got = {false};
        places.compute(kind + ":" + key, (k, holders) -> {
            Map<String, Long> live = holders == null ? new HashMap<>() : holders;
            live.values().removeIf(expiry -> expiry <= nowMillis);
            if (live.containsKey(holder) || live.size() < max) {
                live.put(holder, expiresAtMillis);
                got[0] = true;
            }
            return live.isEmpty() ? null : live;
        });
        return got[0];
    }

    @Override
    public void renew(String kind, Map<String, ? extends Collection<String>> holdersByKey, long expiresAtMillis) {
        holdersByKey.forEach((key, holders) -> places.computeIfPresent(kind + ":" + key, (k, live) -> {
            for (String h : holders) live.replace(h, expiresAtMillis);
            return live;
        }));
    }

    @Override
    public void release(String kind, String key, String holder) {
        places.computeIfPresent(kind + ":" + key, (k, live) -> {
            live.remove(holder);
            return live.isEmpty() ? null : live;
        });
    }

    @Override
    public long tokensUsed(String key, long day) {
        DayCount c = tokens.get(key);
        return c != null && c.day() == day ? c.count() : 0;
    }

    @Override
    public void addTokens(String key, long day, long count) {
        tokens.merge(key, new DayCount(day, count), (old, add) -> old.day() == day
                ? new DayCount(day, old.count() + count) : old.day() > day ? old : add);
    }

    /** Forgets full buckets, lapsed places and the token counts of days gone. */
    public void sweep(long nowMillis) {
        buckets.entrySet().removeIf(e -> e.getValue().fullBy(nowMillis));
        for (String k : places.keySet()) {
            places.computeIfPresent(k, (key, live) -> {
                live.values().removeIf(expiry -> expiry <= nowMillis);
                return live.isEmpty() ? null : live;
            });
        }
        long today = nowMillis / 86_400_000L;
        tokens.values().removeIf(c -> c.day() < today);
    }

    /** Keys with anything held, for tests of what is forgotten. */
    public int keys() {
        return buckets.size() + places.size() + tokens.size();
    }

    private static final class Bucket {
        private final int capacity;
        private double tokens;
        private long last;

        Bucket(int capacity, long now) {
            this.capacity = capacity;
            this.tokens = capacity;
            this.last = now;
        }

        synchronized long take(long now, int perMinute) {
            double refillPerMilli = perMinute / 60_000.0;
            if (now > last) {
                tokens = Math.min(perMinute, tokens + (now - last) * refillPerMilli);
                last = now;
            }
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) / refillPerMilli / 1000));
        }

        synchronized void refund(int perMinute) {
            tokens = Math.min(perMinute, tokens + 1);
        }

        synchronized boolean fullBy(long now) {
            return tokens + Math.max(0, now - last) * (capacity / 60_000.0) >= capacity;
        }
    }
}
