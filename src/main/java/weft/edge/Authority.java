package weft.edge;

import java.net.InetAddress;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A host and optional port as {@code Host} and {@code Origin} carry them ({@code localhost:8080},
 * {@code [::1]}, {@code app.example.com}), in one spelling: names in lower case without a
 * trailing dot, IP literals as Java prints them, so that {@code [::1]} and
 * {@code [0:0:0:0:0:0:0:1]} are the same host.
 *
 * @param port -1 when none was written
 */
record Authority(String host, int port) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*");

    /** Null when the text is not {@code host[:port]}. */
    static Authority parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 300) return null;
        String host;
        String port = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) return null;
            host = text.substring(0, close + 1);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) return null;
                port = rest.substring(1);
            }
        } else {
            int colon = text.indexOf(':');
            host = colon < 0 ? text : text.substring(0, colon);
            if (colon >= 0) port = text.substring(colon + 1);
        }
        String canonical = canonicalHost(host);
        if (canonical == null) return null;
        if (port == null) return new Authority(canonical, -1);
        if (!port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) return null;
        return new Authority(canonical, Integer.parseInt(port));
    }

    /** A host name or IP literal in its one spelling, or null if it is neither. */
    static String canonicalHost(String host) {
        if (host.startsWith("[")) {
            if (!host.endsWith("]")) return null;
            InetAddress address = AddressRange.literal(host);
            return address == null || address.getAddress().length != 16 ? null : "[" + address.getHostAddress() + "]";
        }
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) name = name.substring(0, name.length() - 1);
        if (name.matches("[0-9.]+")) {
            InetAddress address = AddressRange.literal(name);
            return address == null ? null : address.getHostAddress();
        }
        return NAME.matcher(name).matches() ? name : null;
    }

    /** The port, or the scheme's own when none was written. */
    int port(String scheme) {
        return port >= 0 ? port : "https".equals(scheme) ? 443 : 80;
    }

    @Override
    public String toString() {
        return port < 0 ? host : host + ":" + port;
    }
}
