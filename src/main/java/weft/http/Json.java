package weft.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import weft.json.Jackson;

import java.io.IOException;
import java.io.OutputStream;

/** Writing JSON answers. One mapper for the whole server: it is thread-safe once configured. */
public final class Json {
    public static final ObjectMapper MAPPER = Jackson.mapper();

    private Json() {}

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static void send(HttpExchange exchange, int status, Object body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        sendBytes(exchange, status, MAPPER.writeValueAsBytes(body));
    }

    /**
     * A whole answer of known length. A {@code HEAD} gets the headers a {@code GET} would, with
     * its {@code Content-Length}, and no body: the JDK logs a warning for every {@code HEAD}
     * answered with a length through {@code sendResponseHeaders}, so the header is set here.
     */
    public static void sendBytes(HttpExchange exchange, int status, byte[] body) throws IOException {
        if (isHead(exchange)) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    static boolean isHead(HttpExchange exchange) {
        return "HEAD".equals(exchange.getRequestMethod());
    }

    /** An error answer, in the shape the request's path speaks ({@link ErrorShape}). */
    public static void sendError(HttpExchange exchange, HttpError error) throws IOException {
        error.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        send(exchange, error.status(), ErrorShape.of(exchange).body(error));
    }
}
