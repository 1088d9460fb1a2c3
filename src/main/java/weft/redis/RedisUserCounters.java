package weft.redis;

import weft.store.UserCounters;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * {@link UserCounters} in Redis, so a user's limits hold across every instance. Each check
 * and change is one script, atomic in Redis: the token bucket refills and takes in one step,
 * a place is counted and taken in one step (after dropping the holders whose expiry has
 * passed: their instance stopped renewing them). Every key expires by itself.
 */
final class RedisUserCounters implements UserCounters {
    /** ARGV: capacity per minute, now (ms), 1 to take or -1 to give back. Returns seconds to wait, 0 if taken. */
    private static final String BUCKET = """
            local cap = tonumber(ARGV[1])
            local now = tonumber(ARGV[2])
            local h = redis.call('HMGET', KEYS[1], 't', 'ts')
            local tokens = tonumber(h[1]) or cap
            local last = tonumber(h[2]) or now
            if now > last then
              tokens = math.min(cap, tokens + (now - last) * cap / 60000)
              last = now
            end
            local wait = 0
            if ARGV[3] == '1' then
              if tokens >= 1 then tokens = tokens - 1
              else wait = math.max(1, math.ceil((1 - tokens) * 60 / cap)) end
            else
              tokens = math.min(cap, tokens + 1)
            end
            redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(last))
            redis.call('PEXPIRE', KEYS[1], 60000)
            return wait
            """;

    /** ARGV: now, expiry, holder, max. Returns 1 if the holder has a place. */
    private static final String CLAIM = """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            if redis.call('ZSCORE', KEYS[1], ARGV[3]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
              redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
              local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
              redis.call('PEXPIREAT', KEYS[1], last[2])
              return 1
            end
            return 0
            """;

    /** ARGV: expiry, then holders. The key lives as long as its latest holder. */
    private static final String RENEW = """
            for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[i]) end
            local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
            if last[2] then redis.call('PEXPIREAT', KEYS[1], last[2]) end
            return 0
            """;

    private static final long TOKEN_DAYS_KEPT_SECONDS = 2 * 86_400;

    private final Redis redis;

    RedisUserCounters(Redis redis) {
        this.redis = redis;
    }

    @Override
    public long takeToken(String key, int perMinute, long nowMillis) {
        return bucket(key, perMinute, nowMillis, "1");
    }

    @Override
    public void refundToken(String key, int perMinute, long nowMillis) {
        bucket(key, perMinute, nowMillis, "-1");
    }

    private long bucket(String key, int perMinute, long nowMillis, String take) {
        Object wait = redis.call(c -> c.eval(BUCKET, List.of(redis.keys.bucket(key)),
                List.of(Integer.toString(perMinute), Long.toString(nowMillis), take)));
        return (Long) wait;
    }

    @Override
    public boolean claim(String kind, String key, String holder, int max, long nowMillis, long expiresAtMillis) {
        Object got = redis.call(c -> c.eval(CLAIM, List.of(redis.keys.places(kind, key)),
                List.of(Long.toString(nowMillis), Long.toString(expiresAtMillis), holder, Integer.toString(max))));
        return Long.valueOf(1).equals(got);
    }

    @Override
    public void renew(String kind, Map<String, ? extends Collection<String>> holdersByKey, long expiresAtMillis) {
        if (holdersByKey.isEmpty()) return;
        redis.call(c -> {
            try (var p = c.pipelined()) {
                holdersByKey.forEach((key, holders) -> {
                    var args = new ArrayList<String>(holders.size() + 1);
                    args.add(Long.toString(expiresAtMillis));
                    args.addAll(holders);
                    p.eval(RENEW, List.of(redis.keys.places(kind, key)), args);
                });
                p.sync();
            }
            return null;
        });
    }

    @Override
    public void release(String kind, String key, String holder) {
        redis.call(c -> c.zrem(redis.keys.places(kind, key), holder));
    }

    @Override
    public long tokensUsed(String key, long day) {
        String used = redis.call(c -> c.get(redis.keys.tokens(key, day)));
        return used == null ? 0 : Long.parseLong(used);
    }

    @Override
    public void addTokens(String key, long day, long tokens) {
        String k = redis.keys.tokens(key, day);
        redis.call(c -> {
            try (var p = c.pipelined()) {
                p.incrBy(k, tokens);
                p.expire(k, TOKEN_DAYS_KEPT_SECONDS);
                p.sync();
            }
            return null;
        });
    }
}
