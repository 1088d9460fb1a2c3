package weft.store;

import java.util.Collection;
import java.util.Map;

/**
 * The counters behind the per-user limits, each under a user's limit key
 * ({@code Principal.limitKey()}): a token bucket of runs started, places held (running runs,
 * open streams) and output tokens used per UTC day. In Redis they are shared by every
 * instance, so a user's limits hold across all of them; a place is a holder with an expiry,
 * renewed while it is held, so one held by an instance that died lapses by itself.
 */
public interface UserCounters {

    /**
     * Takes a token from the key's bucket of {@code perMinute}, which refills evenly over a
     * minute. Returns 0, or how many whole seconds until a token is due (nothing taken).
     */
    long takeToken(String key, int perMinute, long nowMillis);

    /** Gives back a token taken for a run that was refused after all. */
    void refundToken(String key, int perMinute, long nowMillis);

    /**
     * Gives {@code holder} one of the key's {@code max} places of this kind ({@code runs},
     * {@code streams}) unless they are all held; a place lapses at {@code expiresAtMillis}
     * unless renewed. A holder that has a place already keeps it. Returns whether it has one.
     */
    boolean claim(String kind, String key, String holder, int max, long nowMillis, long expiresAtMillis);

    /** Moves the expiry of places still held ({@code holders by key}); a lapsed place is not taken again. */
    void renew(String kind, Map<String, ? extends Collection<String>> holdersByKey, long expiresAtMillis);

    void release(String kind, String key, String holder);

    /** Output tokens counted for the key on a UTC day ({@code epochMillis / 86,400,000}). */
    long tokensUsed(String key, long day);

    void addTokens(String key, long day, long tokens);
}
