package weft.edge;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import weft.http.HttpError;
import weft.http.Json;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers only requests addressed to this server by a name it knows: the address it is bound
 * to (and, on a loopback address, {@code localhost}, {@code 127.0.0.1} and {@code [::1]}) or a
 * name in {@code WEFT_ALLOWED_HOSTS}. That is what defeats DNS rebinding: a page on
 * {@code evil.example} whose name is made to resolve to 127.0.0.1 reaches the socket, but its
 * requests say {@code Host: evil.example}. The port is not compared (a proxy may drop or change
 * it) unless an allowed entry names one.
 *
 * <p>Bound to every interface ({@code 0.0.0.0}, {@code ::}) with no allowed names, any
 * {@code Host} is accepted: such a server has authentication in front of everything.
 */
public final class HostCheck extends Filter {
    /** The names of the bound address in their one spelling, to each as a person writes it. */
    private final Map<String, String> boundNames = new LinkedHashMap<>();
    private final List<Authority> allowed;
    private final boolean anyHost;

    /**
     * @param configured the {@code WEFT_HOST} as written
     * @param bound      the address the server listens on
     * @param allowed    the entries of {@code WEFT_ALLOWED_HOSTS}; refused at start-up if one is not {@code host[:port]}
     */
    public HostCheck(String configured, InetSocketAddress bound, List<String> allowed) {
        this.allowed = allowed.stream().map(HostCheck::allowedEntry).toList();
        InetAddress address = bound.getAddress();
        this.anyHost = address != null && address.isAnyLocalAddress() && allowed.isEmpty();
        boolean wildcard = address != null && address.isAnyLocalAddress();
        if (!wildcard) {
            name(configured.contains(":") && !configured.startsWith("[") ? "[" + configured + "]" : configured);
            if (address != null) name(address.getAddress().length == 16 ? "[" + address.getHostAddress() + "]" : address.getHostAddress());
        }
        if (address == null || address.isLoopbackAddress() || wildcard) {
            // A local client may name the loopback address any of these ways; none can be a rebound name.
            name("localhost");
            name("127.0.0.1");
            name("[::1]");
        }
    }

    private void name(String host) {
        String canonical = Authority.canonicalHost(host);
        if (canonical != null) boundNames.putIfAbsent(canonical, host);
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        HttpError refusal = check(exchange);
        if (refusal == null) {
            chain.doFilter(exchange);
            return;
        }
        try (exchange) {
            Json.sendError(exchange, refusal);
        }
    }

    private HttpError check(HttpExchange exchange) {
        List<String> hosts = exchange.getRequestHeaders().get("Host");
        int count = hosts == null ? 0 : hosts.size();
        if (count != 1) {
            return HttpError.invalid("the request has " + (count == 0 ? "no Host header" : count + " Host headers")
                    + ": send exactly one, naming the server (e.g. Host: localhost:8080)");
        }
        String value = hosts.getFirst().strip();
        Authority host = Authority.parse(value);
        if (host == null) {
            return HttpError.invalid("Host '" + shorten(value) + "' is not a host name or address with an optional port");
        }
        if (anyHost || boundNames.containsKey(host.host())) return null;
        String scheme = Client.of(exchange).scheme();
        for (Authority entry : allowed) {
            if (entry.host().equals(host.host()) && (entry.port() < 0 || entry.port() == host.port(scheme))) return null;
        }
        return new HttpError(403, "forbidden_host", "Host '" + shorten(value) + "' is not a name of this server: it answers to "
                + String.join(", ", boundNames.values()) + " and the names in WEFT_ALLOWED_HOSTS"
                + (allowed.isEmpty() ? " (none set)" : " (" + allowed.stream().map(Authority::toString).toList() + ")")
                + "; add the name to WEFT_ALLOWED_HOSTS to serve requests sent to it", Map.of(), Map.of());
    }

    private static Authority allowedEntry(String entry) {
        Authority parsed = Authority.parse(entry);
        if (parsed == null) {
            throw new IllegalArgumentException("WEFT_ALLOWED_HOSTS entry '" + entry + "' is not a host name: write names "
                    + "or name:port separated by commas, e.g. weft.example.com,weft.internal:8080");
        }
        return parsed;
    }

    private static String shorten(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "…";
    }

    @Override
    public String description() {
        return "Host check";
    }
}
