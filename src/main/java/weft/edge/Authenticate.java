package weft.edge;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import weft.auth.Principal;

import java.io.IOException;

/**
 * Establishes who is calling and leaves a {@link Principal} on the exchange for the handlers.
 * On a server without authentication every caller is {@code anonymous}.
 */
public final class Authenticate extends Filter {

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        exchange.setAttribute(Principal.ATTRIBUTE, Principal.anonymous(Client.of(exchange).address()));
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "authentication";
    }
}
