package weft.edge;

import weft.config.Settings;

/**
 * The limits the JDK server enforces itself, before any filter runs: request time (headers and
 * body, so a client that dribbles either is cut off), header count and size, and open
 * connections. They are system properties that the JDK reads once, when the process creates its
 * first {@code HttpServer}: {@code Main} sets them before it does, a property given with
 * {@code -D} wins, and a server started inside another program (a test) keeps that program's.
 */
public final class JdkLimits {
    private JdkLimits() {}

    public static void apply(Settings.Limits limits, ConnectionBudget budget) {
        // Whole seconds: the JDK reads the property as seconds; round up so no request gets less.
        long seconds = Math.max(1, (limits.requestTimeout().toMillis() + 999) / 1000);
        setIfAbsent("sun.net.httpserver.maxReqTime", Long.toString(seconds));
        setIfAbsent("sun.net.httpserver.maxReqHeaders", Integer.toString(limits.maxHeaders()));
        setIfAbsent("sun.net.httpserver.maxReqHeaderSize", Integer.toString(limits.maxHeaderBytes()));
        setIfAbsent("jdk.httpserver.maxConnections", Integer.toString(budget.hardCap()));
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) System.setProperty(property, value);
    }
}
