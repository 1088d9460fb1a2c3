package weft;

import com.sun.net.httpserver.HttpServer;
import weft.config.Settings;
import weft.edge.Authenticate;
import weft.edge.ConnectionBudget;
import weft.edge.JdkLimits;
import weft.edge.RequestLimits;
import weft.http.Api;
import weft.metrics.Metrics;
import weft.providers.AnthropicProvider;
import weft.providers.DemoProvider;
import weft.providers.GeminiProvider;
import weft.providers.OpenAiProvider;
import weft.providers.Provider;
import weft.providers.ProviderHttp;
import weft.providers.Providers;
import weft.redis.RedisStores;
import weft.runs.Admission;
import weft.runs.Followers;
import weft.runs.LeaseKeeper;
import weft.runs.LostRuns;
import weft.runs.Peers;
import weft.runs.RateLimiter;
import weft.runs.RunExecutor;
import weft.runs.RunFinisher;
import weft.runs.Runs;
import weft.store.Ids;
import weft.store.Stores;
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
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Weft's whole wiring on one screen. A request's path: {@link Api} routes it; a new run is
 * admitted by {@link Runs}, recorded in the run store and executed by this instance's
 * {@link RunExecutor} on its own virtual thread, whose agents stream a {@link Provider}'s text
 * into the run's event log; the SSE handler of any instance follows that log onto the
 * connection.
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
            JdkLimits.apply(settings.limits(), connectionBudget(settings));
            weft = start(settings);
        } catch (IllegalArgumentException badSetting) {
            System.err.println("weft: " + badSetting.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(weft::shutdown, "weft shutdown"));
        System.out.printf("weft listening on http://%s:%d (provider %s, %s, instance %s)%n", settings.host(), weft.port(),
                weft.providers().defaultProvider().name(), settings.redisUrl() == null ? "in memory" : "Redis", weft.instance());
    }

    /** Builds every part from the settings and starts serving. */
    public static Weft start(Settings settings) throws IOException {
        var timers = newTimers();
        return start(settings, configuredProviders(settings, timers), timers, UnaryOperator.identity());
    }

    /** As {@link #start(Settings)}, with the given providers (tests add scripted ones) and stores seen through {@code wrap}. */
    public static Weft start(Settings settings, List<Provider> available, UnaryOperator<Stores> wrap) throws IOException {
        return start(settings, available, newTimers(), wrap);
    }

    private static Weft start(Settings s, List<Provider> available, ScheduledThreadPoolExecutor timers,
                              UnaryOperator<Stores> wrap) throws IOException {
        var connections = connectionBudget(s);
        String instance = Ids.newId("i_");
        var metrics = new Metrics();
        var providers = new Providers(available, s.defaultProvider());
        var workflows = new Workflows(s.workflowsFile() == null ? List.of()
                : WorkflowFile.load(Path.of(s.workflowsFile()), providers));

        Stores base;
        Peers peers;
        if (s.redisUrl() == null) {
            long bytesEach = s.maxRetainedMegabytes() * (1L << 20) / 2; // half for ended runs, half for sessions
            base = Stores.inMemory(new Stores.MemoryLimits(s.runRetention().toMillis(), s.maxRetainedRuns(), bytesEach,
                    s.sessionTtl().toMillis(), s.maxSessions(), bytesEach));
            peers = Peers.none();
        } else {
            var redis = RedisStores.connect(s.redisUrl(), s.redisPrefix(), instance, new RedisStores.Limits(
                    s.runRetention(), s.runTimeout().plus(s.runLease()), s.sessionTtl(), s.maxRetainedRuns(), s.maxSessions()));
            base = redis.stores();
            peers = redis.peers();
        }
        Stores stores = wrap.apply(base);

        var rateLimiter = new RateLimiter(s.rateLimitPerMinute());
        var admission = new Admission(workflows, providers, new Admission.Limits(s.maxActiveRuns(), s.maxInputChars(),
                s.rateLimitPerMinute()), rateLimiter);
        var finisher = new RunFinisher(stores.runs(), stores.sessions(), stores.locks(), admission, metrics, s.runTimeout());
        var executor = new RunExecutor(s.runTimeout(), finisher);
        var followers = new Followers(instance, executor, peers, timers, s.disconnectGrace());
        var runs = new Runs(instance, stores.runs(), stores.events(), stores.sessions(), stores.locks(),
                stores.idempotency(), admission, executor, followers, peers, providers, metrics,
                new Runs.Limits(s.runLease(), s.maxHistoryChars()));
        var leases = new LeaseKeeper(instance, s.runLease(), stores.runs(), executor, finisher,
                new LostRuns(stores.runs(), stores.events(), stores.sessions(), stores.locks(), workflows, metrics), timers);
        everySecond(timers, stores.sweep());
        everySecond(timers, () -> rateLimiter.forgetIdle(System.nanoTime()));
        metrics.gauge("weft_retained_runs", "Runs held, running or ended within their retention time.", () -> stores.counts().runs());
        metrics.gauge("weft_sessions", "Sessions held.", () -> stores.counts().sessions());

        var router = Api.router(runs, stores, providers, workflows, metrics, new Api.Options(s.heartbeat(), s.sseRetry(),
                s.maxBodyBytes(), s.limits().maxDocuments(), s.limits().maxDocumentChars(), s.limits().maxTokens()));
        var server = HttpServer.create(new InetSocketAddress(s.host(), s.port()), 4096);
        // The edge: every request passes these filters, in this order, before the router.
        server.createContext("/", router).getFilters().addAll(List.of(
                new RequestLimits(connections.maxConnections(), metrics),
                new Authenticate()));
        var handlers = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(handlers);
        server.start();
        return new Weft(instance, server, runs, providers, stores, leases, timers, handlers, s.shutdownGrace());
    }

    /** WEFT_MAX_CONNECTIONS, or what the file limit allows; refused when it does not fit the file limit. */
    private static ConnectionBudget connectionBudget(Settings s) {
        return ConnectionBudget.of(s.limits().maxConnections(), ConnectionBudget.fileLimit());
    }

    /**
     * The demo model, always, and each real provider whose key (or, for OpenAI-compatible
     * servers, base URL) is set. They share one HTTP client on HTTP/1.1: every answer streams
     * on a connection of its own, so cancelling a run closes exactly that TCP connection and
     * the provider stops generating.
     */
    static List<Provider> configuredProviders(Settings s, ScheduledThreadPoolExecutor timers) {
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

    /** One timer thread; a cancelled timer leaves its queue at once, so it keeps nothing alive. */
    private static ScheduledThreadPoolExecutor newTimers() {
        var timers = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("weft timers").daemon().factory());
        timers.setRemoveOnCancelPolicy(true);
        return timers;
    }

    /** Housekeeping that must outlive a failure: a scheduled task that throws is never run again. */
    private static void everySecond(ScheduledThreadPoolExecutor timers, Runnable task) {
        timers.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                System.getLogger("weft").log(System.Logger.Level.DEBUG, "housekeeping failed, next try in a second: " + e);
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    private static String orElse(String value, String fallback) {
        return value != null ? value : fallback;
    }
}
