package weft.edge;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import weft.http.HttpError;
import weft.http.Json;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which web pages may call Weft. A request without {@code Origin} (curl, a server) passes; a
 * browser's request passes only from Weft's own origin or from one listed in
 * {@code WEFT_CORS_ORIGINS}, and any other is a {@code 403 forbidden_origin}. Refusing the
 * request itself, not just hiding the answer, is what stops a page elsewhere from starting runs
 * with a form post, which needs no preflight. Listed origins get the CORS headers and their
 * preflights answered here, before authentication (a preflight carries no credentials).
 */
public final class Cors extends Filter {
    static final String METHODS = "GET, POST, DELETE, OPTIONS";
    static final String HEADERS = "Authorization, Content-Type, Last-Event-ID, Idempotency-Key";
    static final String EXPOSED = "X-Run-Id, Location, Retry-After";
    static final String MAX_AGE = "600";

    /** Each listed origin, to its entry as written (for messages). */
    private final Map<Origin, String> allowed = new LinkedHashMap<>();

    /**
     * @param origins the entries of {@code WEFT_CORS_ORIGINS}; refused at start-up if one is not an origin
     */
    public Cors(List<String> origins) {
        for (String entry : origins) {
            Origin origin = Origin.parse(entry);
            if (origin == null) {
                throw new IllegalArgumentException("WEFT_CORS_ORIGINS entry '" + entry + "' is not an origin: list each page's "
                        + "origin exactly, scheme://host[:port] without a path, e.g. https://app.example.com (no * wildcard)");
            }
            allowed.put(origin, entry);
        }
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        var request = exchange.getRequestHeaders();
        var response = exchange.getResponseHeaders();
        if (!allowed.isEmpty()) response.add("Vary", "Origin"); // the answer depends on it
        List<String> origins = request.get("Origin");
        if (origins == null) {
            chain.doFilter(exchange);
            return;
        }
        String text = origins.size() == 1 ? origins.getFirst().strip() : null;
        Origin origin = text == null ? null : Origin.parse(text);
        boolean listed = origin != null && allowed.containsKey(origin);
        if (!listed && !sameOrigin(exchange, origin)) {
            refuse(exchange, text);
            return;
        }
        if (listed) {
            // The browser compares this with its own Origin character by character: echo that.
            response.set("Access-Control-Allow-Origin", text);
            response.set("Access-Control-Expose-Headers", EXPOSED);
        }
        if (listed && exchange.getRequestMethod().equals("OPTIONS") && request.containsKey("Access-Control-Request-Method")) {
            response.set("Access-Control-Allow-Methods", METHODS);
            response.set("Access-Control-Allow-Headers", HEADERS);
            response.set("Access-Control-Max-Age", MAX_AGE);
            try (exchange) {
                exchange.sendResponseHeaders(204, -1);
            }
            return;
        }
        chain.doFilter(exchange);
    }

    /** A page served by Weft itself: its origin is the scheme and {@code Host} this request was sent to. */
    private static boolean sameOrigin(HttpExchange exchange, Origin origin) {
        if (origin == null) return false;
        String scheme = Client.of(exchange).scheme();
        Authority host = Authority.parse(exchange.getRequestHeaders().getFirst("Host"));
        return host != null && origin.scheme().equals(scheme) && origin.host().equals(host.host())
                && origin.port() == host.port(scheme);
    }

    private void refuse(HttpExchange exchange, String origin) throws IOException {
        String why = origin == null ? "a request with several Origin headers is refused"
                : origin.equals("null") ? "Origin 'null' (a sandboxed or file:// page, or a redirect) is refused"
                : "Origin '" + (origin.length() <= 100 ? origin : origin.substring(0, 100) + "…") + "' may not call this server";
        var error = new HttpError(403, "forbidden_origin", why + ": a web page may call Weft only from Weft's own origin or from "
                + "an origin listed in WEFT_CORS_ORIGINS" + (allowed.isEmpty() ? " (none set)" : " (" + String.join(", ", allowed.values()) + ")")
                + "; add the page's origin to WEFT_CORS_ORIGINS to allow it");
        try (exchange) {
            Json.sendError(exchange, error);
        }
    }

    @Override
    public String description() {
        return "CORS and cross-site requests";
    }

    /** {@code scheme://host[:port]}, the port always filled in, so that {@code https://a} and {@code https://a:443} are one origin. */
    record Origin(String scheme, String host, int port) {
        static Origin parse(String text) {
            if (text == null || text.length() > 300) return null;
            URI uri;
            try {
                uri = new URI(text);
            } catch (URISyntaxException e) {
                return null;
            }
            String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!"http".equals(scheme) && !"https".equals(scheme)) return null;
            if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) return null;
            if (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) return null;
            Authority authority = Authority.parse(uri.getRawAuthority());
            if (authority == null) return null;
            return new Origin(scheme, authority.host(), authority.port(scheme));
        }
    }
}
