package weft.store;

/**
 * A shared store did not answer (Redis is down, a connection broke). Not a bug and not the
 * client's fault: HTTP answers {@code 503 overloaded} with {@code Retry-After}, and an open
 * stream ends with an {@code error} event whose code is {@code store_unavailable}.
 */
public final class StoreUnavailable extends RuntimeException {
    public StoreUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
