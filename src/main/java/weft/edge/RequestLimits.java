package weft.edge;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import weft.http.HttpError;
import weft.http.Json;
import weft.metrics.Metrics;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves at most {@code WEFT_MAX_CONNECTIONS} requests at once and answers the others
 * {@code 503 overloaded} with {@code Retry-After} and {@code Connection: close}, so that a flood
 * of connections gets a readable answer while the server keeps file descriptors to spare. The
 * JDK's own cap ({@code jdk.httpserver.maxConnections}, a little higher) closes connections
 * beyond it unanswered, and {@code sun.net.httpserver.maxReqTime} closes those whose request
 * takes longer than {@code WEFT_REQUEST_TIMEOUT}: see {@link JdkLimits}.
 */
public final class RequestLimits extends Filter {
    private final int maxConnections;
    private final Metrics metrics;
    private final AtomicInteger open = new AtomicInteger();

    public RequestLimits(int maxConnections, Metrics metrics) {
        this.maxConnections = maxConnections;
        this.metrics = metrics;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        try {
            if (open.incrementAndGet() > maxConnections) {
                refuse(exchange);
                return;
            }
            chain.doFilter(exchange);
        } finally {
            open.decrementAndGet();
        }
    }

    private void refuse(HttpExchange exchange) throws IOException {
        metrics.error("overloaded");
        try (exchange) {
            Json.sendError(exchange, new HttpError(503, "overloaded", "the server is serving its limit of "
                    + maxConnections + " connections at once (WEFT_MAX_CONNECTIONS); try again shortly",
                    Map.of("Retry-After", "1", "Connection", "close"), Map.of()));
        }
    }

    @Override
    public String description() {
        return "request limits";
    }
}
