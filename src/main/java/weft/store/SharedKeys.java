package weft.store;

/**
 * Random signing keys that every instance sharing these stores agrees on, created by the
 * first instance that asks: what one instance signs (a stream ticket) another verifies.
 */
@FunctionalInterface
public interface SharedKeys {
    /** The key named {@code name}: 32 random bytes, the same on every instance for the stores' lifetime. */
    byte[] key(String name);
}
