package weft;

import com.sun.net.httpserver.HttpServer;
import weft.auth.Authenticator;
import weft.config.Settings;
import weft.http.Api;
import weft.metrics.Metrics;
import weft.providers.AnthropicProvider;
import weft.providers.DemoProvider;
import weft.providers.GeminiProvider;
import weft.providers.OpenAiProvider;
import weft.providers.Provider;
import weft.providers.ProviderHttp;
import weft.providers.Providers;
import weft.runs.Runs;
import weft.store.InMemoryEventLog;
import weft.store.InMemorySessionStore;
import weft.workflows.WorkflowFile;
import weft.workflows.Workflows;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

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
        Weft weft;
        try {
            settings = Settings.load(System.getenv(), args);
            weft = start(settings);
        } catch (IllegalArgumentException badSetting) {
            System.err.println("weft: " + badSetting.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(weft::shutdown, "weft shutdown"));
        System.out.printf("weft listening on http://%s:%d (provider %s)%n",
                settings.host(), weft.port(), weft.providers().defaultProvider().name());
    }

    /** Builds every part from the settings and starts serving. */
    public static Weft start(Settings settings) throws IOException {
        var timers = newTimers();
        return start(settings, configuredProviders(settings, timers), timers);
    }

    /** As {@link #start(Settings)}, with the given providers (tests add scripted ones). */
    public static Weft start(Settings settings, List<Provider> available) throws IOException {
        return start(settings, available, newTimers());
    }

    private static Weft start(Settings settings, List<Provider> available, ScheduledExecutorService timers)
            throws IOException {
        var metrics = new Metrics();
        var sessions = new InMemorySessionStore();
        var providers = new Providers(available, settings.defaultProvider());
        var workflows = new Workflows(settings.workflowsFile() == null ? List.of()
                : WorkflowFile.load(Path.of(settings.workflowsFile()), providers));
        var runs = new Runs(new InMemoryEventLog(), sessions, providers, workflows, metrics, timers, new Runs.Limits(
                settings.runTimeout(), settings.runRetention(), settings.disconnectGrace(),
                settings.maxActiveRuns(), settings.maxInputChars(), settings.rateLimitPerMinute()));

        var server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 4096);
        server.createContext("/", Api.router(runs, sessions, providers, workflows, metrics, Authenticator.anonymous(),
                settings.heartbeat(), settings.sseRetry(), settings.maxBodyBytes()));
        var handlers = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(handlers);
        server.start();
        return new Weft(server, runs, providers, timers, handlers, settings.shutdownGrace());
    }

    /**
     * The demo model, always, and each real provider whose key (or, for OpenAI-compatible
     * servers, base URL) is set. They share one HTTP client on HTTP/1.1: every answer streams
     * on a connection of its own, so cancelling a run closes exactly that TCP connection and
     * the provider stops generating.
     */
    static List<Provider> configuredProviders(Settings s, ScheduledExecutorService timers) {
        var client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        var http = new ProviderHttp(client, timers, new ProviderHttp.Options(
                s.upstreamIdleTimeout(), s.providerRetries(), s.providerBackoff()));
        var providers = new ArrayList<Provider>();
        providers.add(new DemoProvider(s.demoTimeToFirstToken(), s.demoTokensPerSecond()));
        if (s.openaiApiKey() != null || s.openaiBaseUrl() != null) {
            providers.add(new OpenAiProvider(http, orElse(s.openaiBaseUrl(), "https://api.openai.com/v1"),
                    s.openaiApiKey(), s.openaiModel()));
        }
        if (s.anthropicApiKey() != null) {
            providers.add(new AnthropicProvider(http, orElse(s.anthropicBaseUrl(), "https://api.anthropic.com"),
                    s.anthropicApiKey(), s.anthropicModel()));
        }
        if (s.geminiApiKey() != null) {
            providers.add(new GeminiProvider(http, orElse(s.geminiBaseUrl(), "https://generativelanguage.googleapis.com"),
                    s.geminiApiKey(), s.geminiModel()));
        }
        return providers;
    }

    private static ScheduledExecutorService newTimers() {
        return Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("weft timers").daemon().factory());
    }

    private static String orElse(String value, String fallback) {
        return value != null ? value : fallback;
    }
}
