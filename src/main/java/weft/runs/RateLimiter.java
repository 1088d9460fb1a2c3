package weft.runs;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Runs started per subject per minute, as a token bucket: a subject may start a burst of
 * {@code perMinute} runs, then one every {@code 60 / perMinute} seconds. Zero turns it off.
 * A bucket that has filled up again is the same as no bucket, so {@link #forgetIdle} drops
 * those: memory holds only subjects that started runs within the last minute.
 */
public final class RateLimiter {
    private final int perMinute;
    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(int perMinute) {
        this.perMinute = perMinute;
    }

    /** Takes a token, or returns how many seconds until one is due (&gt; 0). */
    long acquire(String subject, long nowNanos) {
        if (perMinute == 0) return 0;
        return buckets.computeIfAbsent(subject, s -> new Bucket(perMinute, nowNanos)).take(nowNanos, perMinute);
    }

    /** Gives back the token of a run that was refused after all, so only runs started count. */
    void refund(String subject) {
        if (perMinute == 0) return;
        var bucket = buckets.get(subject);
        if (bucket != null) bucket.refund(perMinute);
    }

    /** Drops the buckets of subjects idle long enough for their bucket to be full again. */
    public void forgetIdle(long nowNanos) {
        buckets.entrySet().removeIf(e -> e.getValue().fullBy(nowNanos, perMinute));
    }

    public int subjects() {
        return buckets.size();
    }

    private static final class Bucket {
        private double tokens;
        private long last;

        Bucket(int capacity, long now) {
            tokens = capacity;
            last = now;
        }

        synchronized long take(long now, int perMinute) {
            double refillPerNano = perMinute / 60e9;
            tokens = Math.min(perMinute, tokens + (now - last) * refillPerNano);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / refillPerNano / 1e9);
        }

        synchronized void refund(int capacity) {
            tokens = Math.min(capacity, tokens + 1);
        }

        synchronized boolean fullBy(long now, int perMinute) {
            return tokens + (now - last) * (perMinute / 60e9) >= perMinute;
        }
    }
}
