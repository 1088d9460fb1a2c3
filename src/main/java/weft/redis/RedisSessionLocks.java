package weft.redis;

import redis.clients.jedis.params.SetParams;
import weft.store.SessionLocks;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Session locks as {@code SET NX} with an expiry longer than any run may last, released with
 * a compare-and-delete so that a run never frees a lock another run has taken since.
 */
final class RedisSessionLocks implements SessionLocks {
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    private final Redis redis;
    private final long ttlMillis;

    RedisSessionLocks(Redis redis, Duration ttl) {
        this.redis = redis;
        this.ttlMillis = ttl.toMillis();
    }

    @Override
    public Optional<String> claim(String sessionId, String runId) {
        String key = redis.keys.lock(sessionId);
        return redis.call(c -> {
            if ("OK".equals(c.set(key, runId, SetParams.setParams().nx().px(ttlMillis)))) return Optional.<String>empty();
            String holder = c.get(key);
            return Optional.of(holder == null ? "a run that just ended" : holder);
        });
    }

    @Override
    public Optional<String> holder(String sessionId) {
        return Optional.ofNullable(redis.call(c -> c.get(redis.keys.lock(sessionId))));
    }

    @Override
    public void release(String sessionId, String runId) {
        redis.call(c -> c.eval(RELEASE, List.of(redis.keys.lock(sessionId)), List.of(runId)));
    }
}
