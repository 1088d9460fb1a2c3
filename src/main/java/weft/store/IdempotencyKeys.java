package weft.store;

import java.util.Optional;

/**
 * {@code Idempotency-Key}s of {@code POST /v1/runs}: the first request with a key from a
 * subject claims it for its run; a retry with the same key finds that run. Keys are kept as
 * long as ended runs are.
 */
public interface IdempotencyKeys {

    /** What a key was first used for: the run, and a fingerprint of the request's body. */
    record Claim(String runId, String fingerprint) {}

    /** Claims {@code key} for {@code claim}, or returns the claim made before. */
    Optional<Claim> claim(String subject, String key, Claim claim);

    /** Frees a key whose run was refused after all, so that a retry starts a run. */
    void release(String subject, String key, String runId);
}
