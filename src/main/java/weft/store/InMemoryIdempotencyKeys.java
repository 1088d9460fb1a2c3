package weft.store;

import java.util.Optional;

/** Idempotency keys in memory, each kept for the retention time, within a count limit. */
public final class InMemoryIdempotencyKeys implements IdempotencyKeys {
    private final Retained<String, Claim> claims;

    public InMemoryIdempotencyKeys(long retentionMillis, int maxKeys) {
        this.claims = new Retained<>(retentionMillis, maxKeys, Long.MAX_VALUE, false, (k, c) -> { });
    }

    @Override
    public Optional<Claim> claim(String subject, String key, Claim claim) {
        String id = subject + '\n' + key;
        synchronized (claims) {
            Claim earlier = claims.get(id, System.currentTimeMillis());
            if (earlier != null) return Optional.of(earlier);
            claims.put(id, claim, 0, System.currentTimeMillis());
            return Optional.empty();
        }
    }

    @Override
    public void release(String subject, String key, String runId) {
        String id = subject + '\n' + key;
        synchronized (claims) {
            Claim c = claims.get(id, System.currentTimeMillis());
            if (c != null && c.runId().equals(runId)) claims.remove(id);
        }
    }

    public void sweep() {
        claims.sweep(System.currentTimeMillis());
    }

    public int size() {
        return claims.size();
    }
}
