package weft.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import weft.auth.Principal;
import weft.metrics.Metrics;
import weft.runs.Refusal;
import weft.store.StoreUnavailable;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's one {@link HttpHandler}: finds the route for a method and path, asks who is
 * calling, runs the handler, and turns every failure into the contract's JSON error. Unknown
 * paths are 404, known paths with another method 405 with an {@code Allow} header ({@code OPTIONS}
 * answers that header alone, with a 204).
 */
public final class Router implements HttpHandler {

    /** What a route does with a request. */
    @FunctionalInterface
    public interface Handler {
        void handle(Request request) throws IOException;
    }

    /** Who may call a route: anyone, a user (with a token when authentication is on), or an operator. */
    public enum Access {
        /** No credentials needed: {@code /healthz}, the page. */
        PUBLIC,
        /** The caller's own runs and sessions. */
        USER,
        /** Server-wide figures: {@code WEFT_METRICS_TOKEN} when one is set, else as {@link #USER}. */
        OPERATOR
    }

    /** {@code GET /v1/runs/{id}}: a method, a path template, who may call it, and its handler. */
    public record Route(String method, String template, Access access, Handler handler) {
        public Route(String method, String template, Handler handler) {
            this(method, template, Access.USER, handler);
        }

        /** The template's {@code {…}} segments match one path segment; the rest is literal ({@code /page.css} is not {@code /pagexcss}). */
        Pattern pattern() {
            var regex = new StringBuilder();
            Matcher param = PARAMETER.matcher(template);
            int literal = 0;
            while (param.find()) {
                regex.append(Pattern.quote(template.substring(literal, param.start()))).append("([^/]+)");
                literal = param.end();
            }
            return Pattern.compile(regex.append(Pattern.quote(template.substring(literal))).toString());
        }
    }

    private static final Pattern PARAMETER = Pattern.compile("\\{[a-z_]+}");

    private record Compiled(Route route, Pattern pattern) {}

    /** The last resort, when even writing JSON fails: bytes ready before any request. */
    private static final byte[] INTERNAL_ERROR = ("{\"error\":{\"code\":\"internal_error\",\"message\":"
            + "\"the server failed unexpectedly; the log says why\"}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final Metrics metrics;
    private final List<Compiled> routes = new ArrayList<>();
    private final FailureLog failures = new FailureLog();

    public Router(Metrics metrics, List<Route> routes) {
        this.metrics = metrics;
        routes.forEach(r -> this.routes.add(new Compiled(r, r.pattern())));
        // Load the error path now: a class that fails to load while no file descriptor is left
        // (under a flood of connections) stays unloadable, and every later answer would fail.
        Json.object();
        HttpError.notFound("");
    }

    @Override
    public void handle(HttpExchange exchange) {
        try (exchange) {
            try {
                dispatch(exchange);
            } catch (Refusal refusal) {
                answer(exchange, toHttpError(refusal));
            } catch (HttpError error) {
                answer(exchange, error);
            } catch (StoreUnavailable down) {
                answer(exchange, new HttpError(503, "overloaded", "the store did not answer (" + down.getMessage()
                        + "); try again shortly", Map.of("Retry-After", "2"), Map.of()));
            } catch (IOException clientGone) {
                // The client went away mid-answer; there is nobody left to tell.
            } catch (RuntimeException | Error bug) {
                failures.failed(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath(), bug);
                internalError(exchange);
            }
        }
    }

    private void internalError(HttpExchange exchange) {
        try {
            answer(exchange, new HttpError(500, "internal_error", "the server failed unexpectedly; the log says why"));
        } catch (RuntimeException | Error stillFailing) {
            if (exchange.getResponseCode() != -1) return;
            try {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                Json.sendBytes(exchange, 500, INTERNAL_ERROR);
            } catch (IOException | RuntimeException | Error nothingLeft) {
                // The connection closes with the exchange.
            }
        }
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        String method = exchange.getRequestMethod();
        Set<String> allowed = new LinkedHashSet<>();
        for (Compiled c : routes) {
            Matcher m = c.pattern().matcher(path);
            if (!m.matches()) continue;
            if (!serves(c.route(), method)) {
                allowed.add(c.route().method());
                if (c.route().method().equals("GET")) allowed.add("HEAD");
                continue;
            }
            var params = new ArrayList<String>();
            for (int i = 1; i <= m.groupCount(); i++) params.add(m.group(i));
            c.route().handler().handle(new Request(exchange, params, Principal.of(exchange)));
            return;
        }
        if (!allowed.isEmpty() && method.equals("OPTIONS")) {
            allowed.add("OPTIONS");
            exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
            exchange.sendResponseHeaders(204, -1);
            return;
        }
        if (!allowed.isEmpty()) {
            throw new HttpError(405, "method_not_allowed", method + " is not allowed on " + path + "; use "
                    + String.join(" or ", allowed), Map.of("Allow", String.join(", ", allowed)), Map.of());
        }
        throw HttpError.notFound("no such path: " + path);
    }

    /**
     * Who may call {@code method path}, as its route declares; a path no route serves needs a
     * user, so that a caller without credentials learns nothing about which paths exist.
     */
    public Access access(String method, String path) {
        // OPTIONS only lists the methods a path has, as the routes above declare them to anyone.
        if (method.equals("OPTIONS")) return Access.PUBLIC;
        for (Compiled c : routes) {
            if (c.pattern().matcher(path).matches() && serves(c.route(), method)) return c.route().access();
        }
        return Access.USER;
    }

    /** Every GET route answers HEAD too: the same headers, no body (see {@link Json#sendBytes}). */
    private static boolean serves(Route route, String method) {
        return route.method().equals(method) || (method.equals("HEAD") && route.method().equals("GET"));
    }

    private void answer(HttpExchange exchange, HttpError error) {
        metrics.error(error.code());
        if (exchange.getResponseCode() != -1) return; // a stream had begun: its own events told the client
        try {
            Json.sendError(exchange, error);
        } catch (IOException clientGone) {
            // Nothing more to do.
        }
    }

    static HttpError toHttpError(Refusal refusal) {
        Map<String, String> retry = refusal.retryAfterSeconds() > 0
                ? Map.of("Retry-After", Long.toString(refusal.retryAfterSeconds())) : Map.of();
        return switch (refusal.kind()) {
            case INVALID -> HttpError.invalid(refusal.getMessage());
            case TOO_LARGE -> new HttpError(413, "too_large", refusal.getMessage());
            case NOT_FOUND -> HttpError.notFound(refusal.getMessage());
            case CONFLICT -> new HttpError(409, "conflict", refusal.getMessage());
            case RATE_LIMITED -> new HttpError(429, "rate_limited", refusal.getMessage(), retry, Map.of());
            case OVERLOADED -> new HttpError(503, "overloaded", refusal.getMessage(), retry, Map.of());
        };
    }
}
