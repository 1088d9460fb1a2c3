package weft.providers;

import weft.config.Secrets;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;

/**
 * A provider call that failed, classified so that a run can report it with a clear code
 * and a client can tell whether trying again may help.
 */
public final class ProviderException extends IOException {

    /** What went wrong, each with the code the {@code error} event carries. */
    public enum Kind {
        /** 401/403: the key is missing, wrong or not allowed. Never retried. */
        AUTH(false),
        /** 400/404/422: the provider refused the request; its message is passed on. */
        BAD_REQUEST(false),
        /** 429, after the retries. */
        RATE_LIMITED(true),
        /** 5xx, overloaded, connection refused, DNS or TLS failure, a dropped connection. */
        UNAVAILABLE(true),
        /** No byte from the provider for the upstream idle timeout. */
        TIMEOUT(true),
        /** An answer Weft cannot read: not an event stream, malformed JSON, a stream cut short. */
        PROTOCOL(false),
        /** The provider stopped the answer for its own reasons (a safety block, an error event). */
        REFUSED(false);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }

        public String code() {
            return "provider_" + name().toLowerCase(Locale.ROOT);
        }
    }

    private final Kind kind;
    private final Duration retryAfter;

    public ProviderException(Kind kind, String message) {
        this(kind, message, null, null);
    }

    public ProviderException(Kind kind, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public Kind kind() { return kind; }

    public String code() { return kind.code(); }

    public boolean retryable() { return kind.retryable; }

    /** What the provider asked for in {@code Retry-After}, or null. */
    public Duration retryAfter() { return retryAfter; }

    /**
     * The same failure as clients may see it: the message with {@code secrets} masked, and no
     * cause (whose own message may quote what the provider sent).
     */
    public ProviderException scrubbed(Secrets secrets) {
        var clean = new ProviderException(kind, secrets.scrub(getMessage()), retryAfter, null);
        clean.setStackTrace(getStackTrace());
        return clean;
    }
}
