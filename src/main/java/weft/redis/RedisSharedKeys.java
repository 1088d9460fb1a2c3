package weft.redis;

import redis.clients.jedis.params.SetParams;
import weft.store.SharedKeys;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * Keys in Redis: the first instance to ask writes a random one with {@code SET NX}, and every
 * instance reads back whichever won. They carry no expiry: a new key would void everything
 * signed with the old one while instances that had read it still use it.
 */
final class RedisSharedKeys implements SharedKeys {
    private final Redis redis;
    private final SecureRandom random = new SecureRandom();

    RedisSharedKeys(Redis redis) {
        this.redis = redis;
    }

    @Override
    public byte[] key(String name) {
        byte[] mine = new byte[32];
        random.nextBytes(mine);
        String key = redis.keys.sharedKey(name);
        String stored = redis.call(c -> {
            c.set(key, Base64.getEncoder().encodeToString(mine), SetParams.setParams().nx());
            return c.get(key);
        });
        if (stored == null) throw redis.unavailable(new IllegalStateException(key + " vanished right after it was set"));
        return Base64.getDecoder().decode(stored);
    }
}
