package weft.auth;

import weft.config.Settings;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Secure by default: who can reach a server and whether they must prove who they are. A
 * server without authentication serves only on a loopback address, unless its operator
 * insists with {@code WEFT_INSECURE=1}; anything else refuses to start rather than run open.
 */
public enum Exposure {
    /** Every user request carries a token. */
    AUTHENTICATED,
    /** No tokens, but only this machine can connect. */
    LOOPBACK_ONLY,
    /** No tokens, and the operator has said so with WEFT_INSECURE=1: {@code /healthz} shows it. */
    INSECURE;

    /** How a server with these settings would be exposed; an {@link IllegalArgumentException} if it must not start. */
    public static Exposure of(Settings.Auth auth, String host) {
        if (auth.enabled()) return AUTHENTICATED;
        if (auth.insecure()) return INSECURE;
        if (loopback(host)) return LOOPBACK_ONLY;
        throw new IllegalArgumentException("WEFT_HOST=" + host + " is reachable from other machines, and no "
                + "authentication is configured: anyone who can reach it could read, follow and cancel every run. "
                + "Set WEFT_JWT_SECRET (at least 32 bytes, e.g. $(openssl rand -base64 32)) or WEFT_JWT_PUBLIC_KEY "
                + "(a PEM public key file), or serve on 127.0.0.1; WEFT_INSECURE=1 starts it open anyway");
    }

    /** What the operator should read at start-up; empty when there is nothing to say. */
    public String notice(String host) {
        return switch (this) {
            case AUTHENTICATED -> "";
            case LOOPBACK_ONLY -> "weft: no authentication configured (WEFT_JWT_SECRET / WEFT_JWT_PUBLIC_KEY): "
                    + "every caller is anonymous, so Weft serves only on the loopback address " + host;
            case INSECURE -> "weft: WARNING: WEFT_INSECURE=1 and no authentication: anyone who can reach " + host
                    + " can read, follow and cancel every run; /healthz says \"insecure\": true";
        };
    }

    /** Whether {@code host} resolves to a loopback address; the wildcard 0.0.0.0 or :: is every address, not loopback. */
    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("WEFT_HOST=" + host + " does not resolve to an address: write an IP "
                    + "address such as 127.0.0.1, or a host name this machine resolves");
        }
    }
}
