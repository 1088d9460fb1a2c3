package weft.store;

import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Keys of one process: an in-memory store has no other instance to agree with. */
public final class InMemorySharedKeys implements SharedKeys {
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentMap<String, byte[]> keys = new ConcurrentHashMap<>();

    @Override
    public byte[] key(String name) {
        return keys.computeIfAbsent(name, n -> {
            byte[] key = new byte[32];
            random.nextBytes(key);
            return key;
        }).clone();
    }
}
