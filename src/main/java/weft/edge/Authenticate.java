package weft.edge;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import weft.auth.AccessTokens;
import weft.auth.InvalidToken;
import weft.auth.Principal;
import weft.auth.Tickets;
import weft.http.HttpError;
import weft.http.Json;
import weft.http.Request;
import weft.http.Router;
import weft.store.StoreUnavailable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Establishes who is calling and leaves a {@link Principal} on the exchange for the handlers,
 * as the route's {@link Router.Access} asks: anyone on a public route; on a user route the
 * subject of an {@code Authorization: Bearer} access token, or of a stream ticket on a run's
 * events; on an operator route the holder of {@code WEFT_METRICS_TOKEN} when one is set. On a
 * server without authentication every user is {@code anonymous}, but tickets are still
 * checked, so a client behaves the same either way. A refusal is a {@code 401} with the
 * {@code WWW-Authenticate} challenge of RFC 6750.
 */
public final class Authenticate extends Filter {
    /** Where a ticket is accepted: a run's events, and only its own. */
    private static final Pattern EVENTS = Pattern.compile("/v1/runs/([^/]+)/events");
    private static final List<String> TOKEN_PARAMETERS = List.of("access_token", "token");

    private final Optional<AccessTokens> tokens;
    private final Tickets tickets;
    private final BiFunction<String, String, Router.Access> access;
    private final byte[] metricsTokenDigest;

    /**
     * @param tokens       the access-token verifier; empty on a server without authentication
     * @param access       who may call a method and path ({@code router::access})
     * @param metricsToken {@code WEFT_METRICS_TOKEN}, or null
     */
    public Authenticate(Optional<AccessTokens> tokens, Tickets tickets, BiFunction<String, String, Router.Access> access,
                        String metricsToken) {
        this.tokens = tokens;
        this.tickets = tickets;
        this.access = access;
        this.metricsTokenDigest = metricsToken == null ? null : sha256(metricsToken);
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        Principal principal;
        try {
            principal = identify(exchange, Client.of(exchange).address());
        } catch (HttpError refused) {
            refuse(exchange, refused);
            return;
        } catch (InvalidToken invalid) {
            refuse(exchange, invalidToken(invalid.getMessage()));
            return;
        } catch (StoreUnavailable down) { // the ticket key lives in Redis, which does not answer
            refuse(exchange, new HttpError(503, "overloaded", "the store did not answer (" + down.getMessage()
                    + "); try again shortly", Map.of("Retry-After", "2"), Map.of()));
            return;
        }
        exchange.setAttribute(Principal.ATTRIBUTE, principal);
        chain.doFilter(exchange);
    }

    private Principal identify(HttpExchange exchange, String address) {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        Router.Access needed = access.apply(method, path);
        if (needed == Router.Access.PUBLIC) return Principal.anonymous(address);
        refuseTokenInUrl(exchange);
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (needed == Router.Access.OPERATOR && metricsTokenDigest != null) return operator(authorization, address);
        Optional<String> ticket = Request.query(exchange, "ticket");
        if (ticket.isPresent() && (authorization == null || tokens.isEmpty())) {
            return ticketHolder(ticket.get(), method, path, address);
        }
        if (tokens.isEmpty()) return Principal.anonymous(address);
        if (authorization == null) {
            throw new HttpError(401, "unauthorized", "this request needs an access token: send Authorization: Bearer <token> "
                    + "(a browser's EventSource may use ?ticket= from POST /v1/runs/{id}/ticket instead)",
                    Map.of("WWW-Authenticate", "Bearer"), Map.of());
        }
        return tokens.get().verify(bearer(authorization), address);
    }

    /** A token in a URL ends up in access logs, proxies' logs and browser history. */
    private static void refuseTokenInUrl(HttpExchange exchange) {
        for (String name : TOKEN_PARAMETERS) {
            if (Request.query(exchange, name).isPresent()) {
                throw invalidToken("an access token does not belong in the URL (?" + name + "=): send it as "
                        + "Authorization: Bearer <token>, or, for a browser's EventSource, get a ticket from "
                        + "POST /v1/runs/{id}/ticket and use ?ticket=");
            }
        }
    }

    private Principal ticketHolder(String ticket, String method, String path, String address) {
        Matcher events = EVENTS.matcher(path);
        if (!events.matches() || !(method.equals("GET") || method.equals("HEAD"))) {
            throw invalidToken("a ticket is accepted only by GET /v1/runs/{id}/events of the run it was issued for; "
                    + "send Authorization: Bearer <token> here");
        }
        return tickets.verify(ticket, events.group(1), tokens.isPresent(), address);
    }

    private Principal operator(String authorization, String address) {
        if (authorization == null) {
            throw new HttpError(401, "unauthorized", "this endpoint needs the operator's token: send "
                    + "Authorization: Bearer <WEFT_METRICS_TOKEN>", Map.of("WWW-Authenticate", "Bearer"), Map.of());
        }
        // Digests of equal length compared in constant time: the answer's timing says nothing about the token.
        if (!MessageDigest.isEqual(sha256(bearer(authorization)), metricsTokenDigest)) {
            throw invalidToken("not the metrics token (WEFT_METRICS_TOKEN)");
        }
        return new Principal("operator", List.of(), true, address);
    }

    private static String bearer(String authorization) {
        int space = authorization.indexOf(' ');
        if (space < 0 || !authorization.substring(0, space).equalsIgnoreCase("Bearer")
                || authorization.substring(space + 1).isBlank()) {
            throw invalidToken("the Authorization header must be 'Bearer <token>'");
        }
        return authorization.substring(space + 1).strip();
    }

    private static HttpError invalidToken(String description) {
        // RFC 6750 allows only printable ASCII without '"' and '\' in the description.
        String quoted = description.replaceAll("[^\\x20-\\x7e]|[\"\\\\]", "'");
        return new HttpError(401, "invalid_token", description, Map.of("WWW-Authenticate",
                "Bearer error=\"invalid_token\", error_description=\"" + quoted + "\""), Map.of());
    }

    private static void refuse(HttpExchange exchange, HttpError error) throws IOException {
        try (exchange) {
            Json.sendError(exchange, error);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public String description() {
        return "authentication";
    }
}
