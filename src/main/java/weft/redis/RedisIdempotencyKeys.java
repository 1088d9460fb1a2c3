package weft.redis;

import redis.clients.jedis.params.SetParams;
import weft.store.IdempotencyKeys;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Idempotency keys as {@code SET NX} strings ({@code <run id> <fingerprint>}) kept as long as ended runs are. */
final class RedisIdempotencyKeys implements IdempotencyKeys {
    private static final String RELEASE = """
            local v = redis.call('GET', KEYS[1])
            if v and string.sub(v, 1, #ARGV[1] + 1) == ARGV[1] .. ' ' then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    private final Redis redis;
    private final long ttlMillis;

    RedisIdempotencyKeys(Redis redis, Duration ttl) {
        this.redis = redis;
        this.ttlMillis = ttl.toMillis();
    }

    @Override
    public Optional<Claim> claim(String subject, String key, Claim claim) {
        String k = redis.keys.idempotency(subject, key);
        return redis.call(c -> {
            String value = claim.runId() + " " + claim.fingerprint();
            if ("OK".equals(c.set(k, value, SetParams.setParams().nx().px(ttlMillis)))) return Optional.<Claim>empty();
            String earlier = c.get(k);
            if (earlier == null || earlier.indexOf(' ') < 0) return Optional.<Claim>empty();
            int space = earlier.indexOf(' ');
            return Optional.of(new Claim(earlier.substring(0, space), earlier.substring(space + 1)));
        });
    }

    @Override
    public void release(String subject, String key, String runId) {
        redis.call(c -> c.eval(RELEASE, List.of(redis.keys.idempotency(subject, key)), List.of(runId)));
    }
}
