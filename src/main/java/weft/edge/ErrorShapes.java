package weft.edge;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import weft.http.ErrorShape;

import java.io.IOException;
import java.util.Map;

/**
 * Picks the shape of a request's error answers from its path, first of all filters, so that a
 * refusal anywhere on the way (a bad token, a full server) reaches an OpenAI client in
 * OpenAI's shape and a Weft client in Weft's. {@code shapes} maps a path, and everything
 * under it, to its shape.
 */
public final class ErrorShapes extends Filter {
    private final Map<String, ErrorShape> shapes;

    public ErrorShapes(Map<String, ErrorShape> shapes) {
        this.shapes = Map.copyOf(shapes);
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        for (var entry : shapes.entrySet()) {
            String base = entry.getKey();
            if (path.equals(base) || path.startsWith(base + "/")) {
                exchange.setAttribute(ErrorShape.ATTRIBUTE, entry.getValue());
                break;
            }
        }
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "error shapes";
    }
}
