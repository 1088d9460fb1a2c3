package weft.runs;

/**
 * A request the runs service will not carry out, with the reason phrased as what to change.
 * The HTTP layer turns the kind into a status code.
 */
public final class Refusal extends RuntimeException {
    public enum Kind { INVALID, TOO_LARGE, NOT_FOUND, CONFLICT, RATE_LIMITED, OVERLOADED }

    private final Kind kind;
    private final long retryAfterSeconds;

    public Refusal(Kind kind, String message) {
        this(kind, message, 0);
    }

    public Refusal(Kind kind, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.kind = kind;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public Kind kind() { return kind; }

    /** For {@code RATE_LIMITED} and {@code OVERLOADED}: when to try again. */
    public long retryAfterSeconds() { return retryAfterSeconds; }
}
