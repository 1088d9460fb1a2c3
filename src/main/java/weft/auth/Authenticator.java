package weft.auth;

import com.sun.net.httpserver.HttpExchange;

/**
 * Says who is making a request. Every run and session records this subject as its owner,
 * and only its owner may read, follow or cancel it.
 */
@FunctionalInterface
public interface Authenticator {

    /** The request's subject; throws if the request must be refused. */
    String subject(HttpExchange exchange);

    /** No authentication: everyone is {@code anonymous}, the embedded default. */
    static Authenticator anonymous() {
        return exchange -> "anonymous";
    }
}
