package weft.auth;

import com.sun.net.httpserver.HttpExchange;

import java.util.List;

/**
 * Who is making a request, as the edge established it: the token's subject (or
 * {@code anonymous} on a server without authentication), its scopes, and the client's
 * address. Every run and session records the subject as its owner.
 *
 * @param subject   the owner of what this request creates and the only one who may see it
 * @param scopes    the token's {@code scope} claim, split; empty without one
 * @param verified  true when a token or ticket proved the subject
 * @param address   the client's address (from {@code X-Forwarded-For} behind a trusted proxy)
 */
public record Principal(String subject, List<String> scopes, boolean verified, String address) {
    /** The exchange attribute under which the edge leaves the principal for handlers. */
    public static final String ATTRIBUTE = "weft.principal";

    public Principal {
        scopes = List.copyOf(scopes);
    }

    /** Everyone on a server without authentication: one owner, told apart for limits by address. */
    public static Principal anonymous(String address) {
        return new Principal("anonymous", List.of(), false, address);
    }

    /**
     * The key per-user limits count under: the subject of a verified caller, else the client's
     * address, so that callers of an open server do not share one bucket.
     */
    public String limitKey() {
        return verified ? "user:" + subject : "addr:" + address;
    }

    /** The principal the edge attached to this exchange. */
    public static Principal of(HttpExchange exchange) {
        Object p = exchange.getAttribute(ATTRIBUTE);
        if (p instanceof Principal principal) return principal;
        throw new IllegalStateException("no principal: the exchange did not pass the edge's authentication");
    }
}
