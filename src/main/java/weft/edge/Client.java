package weft.edge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;

/**
 * Where a request comes from, as far as Weft can trust it: the client's address, the scheme
 * it used and the path prefix a proxy serves Weft under (empty without one). The URLs Weft
 * hands out are paths that start with the prefix; the scheme decides which page origin is
 * Weft's own.
 */
public record Client(String address, String scheme, String prefix) {
    /** The exchange attribute under which the edge leaves the client for later filters and handlers. */
    public static final String ATTRIBUTE = "weft.client";

    /** The client as the socket sees it: no proxy in between. */
    public static Client direct(HttpExchange exchange) {
        return new Client(exchange.getRemoteAddress().getAddress().getHostAddress(),
                exchange instanceof HttpsExchange ? "https" : "http", "");
    }

    /** The client the edge attached to this exchange, or the socket's view if none did. */
    public static Client of(HttpExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE) instanceof Client c ? c : direct(exchange);
    }
}
