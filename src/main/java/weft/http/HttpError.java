package weft.http;

import java.util.Map;

/**
 * An answer other than 2xx, as the contract shapes it: {@code {"error":{"code","message"}}}
 * with the message saying what to change. Thrown anywhere in a handler; {@link Router}
 * writes it.
 */
public final class HttpError extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, String> headers;
    private final Map<String, Object> details;

    public HttpError(int status, String code, String message) {
        this(status, code, message, Map.of(), Map.of());
    }

    public HttpError(int status, String code, String message, Map<String, String> headers, Map<String, Object> details) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.headers = headers;
        this.details = details;
    }

    public static HttpError invalid(String message) {
        return new HttpError(400, "invalid_request", message);
    }

    public static HttpError notFound(String message) {
        return new HttpError(404, "not_found", message);
    }

    public int status() { return status; }

    public String code() { return code; }

    /** Extra response headers, such as {@code Allow} or {@code Retry-After}. */
    public Map<String, String> headers() { return headers; }

    /** Extra fields of the error object, such as a run's {@code status}. */
    public Map<String, Object> details() { return details; }
}
