package weft.http;

import com.sun.net.httpserver.HttpExchange;
import weft.auth.Principal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * One request as a handler sees it: the exchange, the values of the route's {@code {…}}
 * path segments in order, and who is asking.
 */
public record Request(HttpExchange exchange, List<String> pathParams, Principal principal) {

    /** The caller's subject: the owner of what this request creates. */
    public String subject() {
        return principal.subject();
    }

    public String param(int index) {
        return pathParams.get(index);
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(exchange.getRequestHeaders().getFirst(name));
    }

    /** A query parameter, decoded; the first if it repeats. */
    public Optional<String> query(String name) {
        return query(exchange, name);
    }

    /** A query parameter of any exchange, decoded; the first if it repeats. */
    public static Optional<String> query(HttpExchange exchange, String name) {
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null) return Optional.empty();
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return Optional.of(eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }
}
