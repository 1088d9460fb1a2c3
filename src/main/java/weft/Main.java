package weft;

import com.sun.net.httpserver.HttpServer;
import weft.auth.Authenticator;
import weft.config.Settings;
import weft.http.Api;
import weft.metrics.Metrics;
import weft.providers.DemoProvider;
import weft.providers.Provider;
import weft.providers.Providers;
import weft.runs.Runs;
import weft.store.InMemoryEventLog;
import weft.store.InMemorySessionStore;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * Weft's whole wiring on one screen. A request's path: {@link Api} routes it; a new run is
 * started by {@link Runs} on its own virtual thread, whose agent streams a {@link Provider}'s
 * text into the run's event log; the SSE handler follows that log onto the connection.
 */
public final class Main {

    public static void main(String[] args) throws IOException {
        // Without TCP_NODELAY small SSE writes wait for delayed ACKs (~40 ms a token).
        // Read once, before the first HttpServer is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        Settings settings;
        try {
            settings = Settings.load(System.getenv(), args);
        } catch (IllegalArgumentException badSetting) {
            System.err.println("weft: " + badSetting.getMessage());
            System.exit(2);
            return;
        }
        Weft weft = start(settings);
        Runtime.getRuntime().addShutdownHook(new Thread(weft::shutdown, "weft shutdown"));
        System.out.printf("weft listening on http://%s:%d (provider %s)%n",
                settings.host(), weft.port(), weft.providers().defaultProvider().name());
    }

    /** Builds every part from the settings and starts serving. */
    public static Weft start(Settings settings) throws IOException {
        return start(settings, List.of(new DemoProvider(settings.demoTimeToFirstToken(), settings.demoTokensPerSecond())));
    }

    /** As {@link #start(Settings)}, with the given providers (tests add scripted ones). */
    public static Weft start(Settings settings, List<Provider> available) throws IOException {
        var metrics = new Metrics();
        var sessions = new InMemorySessionStore();
        var providers = new Providers(available,
                settings.defaultProvider() != null ? settings.defaultProvider() : "demo");
        var timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("weft timers").daemon().factory());
        var runs = new Runs(new InMemoryEventLog(), sessions, providers, metrics, timers, new Runs.Limits(
                settings.runTimeout(), settings.runRetention(), settings.disconnectGrace(),
                settings.maxActiveRuns(), settings.maxInputChars(), settings.rateLimitPerMinute()));

        var server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 4096);
        server.createContext("/", Api.router(runs, sessions, providers, metrics, Authenticator.anonymous(),
                settings.heartbeat(), settings.sseRetry(), settings.maxBodyBytes()));
        var handlers = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(handlers);
        server.start();
        return new Weft(server, runs, providers, timers, handlers, settings.shutdownGrace());
    }
}
