package weft.edge;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;

/**
 * Headers that keep a browser from doing anything clever with Weft's answers: no guessing a
 * content type from the bytes, no leaking the URL (which may carry a ticket) to other sites,
 * no caching of what a user's token unlocked. Set before the handler runs, so a handler that
 * needs otherwise (an SSE stream says {@code Cache-Control: no-cache}) overrides them.
 */
public final class SecurityHeaders extends Filter {

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        var headers = exchange.getResponseHeaders();
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Referrer-Policy", "no-referrer");
        headers.set("Cache-Control", "no-store");
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "security headers";
    }
}
