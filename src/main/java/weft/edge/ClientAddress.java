package weft.edge;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import weft.http.HttpError;
import weft.http.Json;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Decides who is calling and how they reached Weft, and leaves it as a {@link Client} on the
 * exchange. A peer listed in {@code WEFT_TRUSTED_PROXIES} is believed about the client's
 * address ({@code X-Forwarded-For}), the scheme ({@code X-Forwarded-Proto}) and the path
 * prefix it serves Weft under ({@code X-Forwarded-Prefix}); from anyone else those headers are
 * ignored, since any client can write them.
 */
public final class ClientAddress extends Filter {
    /** Segments of letters, digits and {@code - . _ ~}, none {@code .} or {@code ..}: nothing that could break out of a URL. */
    private static final Pattern PREFIX = Pattern.compile("(/(?!\\.\\.?(/|$))[A-Za-z0-9._~-]+)+");

    private final List<AddressRange> trusted;

    /** {@code proxies}: the entries of {@code WEFT_TRUSTED_PROXIES}; refused at start-up if one is not an address or block. */
    public ClientAddress(List<String> proxies) {
        this.trusted = proxies.stream().map(AddressRange::parse).toList();
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        Client direct = Client.direct(exchange);
        InetAddress peer = exchange.getRemoteAddress().getAddress();
        Client client = direct;
        if (isTrusted(peer)) {
            try {
                client = new Client(forwardedFor(exchange, peer), forwardedProto(exchange, direct.scheme()), forwardedPrefix(exchange));
            } catch (HttpError error) {
                try (exchange) {
                    Json.sendError(exchange, error);
                }
                return;
            }
        }
        exchange.setAttribute(Client.ATTRIBUTE, client);
        chain.doFilter(exchange);
    }

    private boolean isTrusted(InetAddress address) {
        for (AddressRange range : trusted) {
            if (range.contains(address)) return true;
        }
        return false;
    }

    /**
     * The rightmost address that is not one of our proxies: everything to its left was written
     * by a client we cannot vouch for. An entry that is not an address ends the walk at the
     * last proxy that passed it on.
     */
    private String forwardedFor(HttpExchange exchange, InetAddress peer) {
        List<String> values = exchange.getRequestHeaders().get("X-Forwarded-For");
        if (values == null) return peer.getHostAddress();
        var hops = new ArrayList<String>();
        for (String value : values) {
            for (String hop : value.split(",")) hops.add(hop.strip());
        }
        InetAddress nearest = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            InetAddress hop = AddressRange.literal(hops.get(i));
            if (hop == null) break;
            nearest = hop;
            if (!isTrusted(hop)) break;
        }
        return nearest.getHostAddress();
    }

    private static String forwardedProto(HttpExchange exchange, String scheme) {
        String proto = last(exchange, "X-Forwarded-Proto");
        if (proto == null) return scheme;
        proto = proto.toLowerCase(Locale.ROOT);
        if (proto.equals("http") || proto.equals("https")) return proto;
        throw HttpError.invalid("X-Forwarded-Proto '" + shorten(proto) + "' from the trusted proxy is neither http nor https: "
                + "fix the proxy's configuration (e.g. nginx: proxy_set_header X-Forwarded-Proto $scheme)");
    }

    private static String forwardedPrefix(HttpExchange exchange) {
        String prefix = last(exchange, "X-Forwarded-Prefix");
        if (prefix == null || prefix.isEmpty() || prefix.equals("/")) return "";
        if (PREFIX.matcher(prefix).matches()) return prefix;
        throw HttpError.invalid("X-Forwarded-Prefix '" + shorten(prefix) + "' from the trusted proxy is not a path prefix: "
                + "it must start with /, not end with one, and hold only letters, digits and - . _ ~ (e.g. /weft; no . or .. segment)");
    }

    /** The last value of a header a proxy may have appended to: the one the nearest proxy wrote. */
    private static String last(HttpExchange exchange, String name) {
        List<String> values = exchange.getRequestHeaders().get(name);
        if (values == null || values.isEmpty()) return null;
        String[] parts = values.getLast().split(",");
        return parts.length == 0 ? "" : parts[parts.length - 1].strip();
    }

    private static String shorten(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "…";
    }

    @Override
    public String description() {
        return "client address (trusted proxies)";
    }
}
