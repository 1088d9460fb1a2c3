package weft;

import weft.aisdk.UiChatApi;
import weft.auth.AccessTokens;
import weft.auth.Exposure;
import weft.auth.Tickets;
import weft.config.Secrets;
import weft.config.Settings;
import weft.edge.AccessLog;
import weft.edge.Authenticate;
import weft.edge.ClientAddress;
import weft.edge.ConnectionBudget;
import weft.edge.Cors;
import weft.edge.ErrorShapes;
import weft.edge.HostCheck;
import weft.edge.JdkLimits;
import weft.edge.RequestLimits;
import weft.edge.SecurityHeaders;
import weft.edge.Tls;
import weft.http.Api;
import weft.http.Router;
import weft.metrics.Metrics;
import weft.openai.ChatCompletionsApi;
import weft.openai.ModelNames;
import weft.openai.ModelsApi;
import weft.openai.OpenAiErrors;
import weft.openai.ResponsesApi;
import weft.page.PageApi;
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
import weft.runs.HeldPlaces;
import weft.runs.LeaseKeeper;
import weft.runs.LostRuns;
import weft.runs.Peers;
import weft.runs.Places;
import weft.runs.RunExecutor;
import weft.runs.RunFinisher;
import weft.runs.Runs;
import weft.tools.ServerTools;
import weft.workflows.RunTools;
import weft.runs.StreamLimits;
import weft.runs.UserLimits;
import weft.store.Ids;
import weft.store.Stores;
import weft.store.Wakeups;
import weft.workflows.WorkflowFile;
import weft.workflows.Workflows;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Weft's whole wiring on one screen. A request's path: it passes the edge's filters (where it
 * comes from, the access log, request limits, security headers, Host and Origin, who is
 * calling), then {@link Api} routes it; a new run is admitted by {@link Runs}, recorded in the
 * run store and executed by this instance's {@link RunExecutor} on its own virtual thread,
 * whose agents stream a {@link Provider}'s text into the run's event log; the SSE handler of
 * any instance follows that log onto the connection.
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
        // Start-up mistakes are printed, and a value that is wrong may be a secret.
        Secrets secrets = Secrets.of(System.getenv());
        try {
            settings = Settings.load(System.getenv(), args);
            secrets = Secrets.of(settings);
            JdkLimits.apply(settings.limits(), connectionBudget(settings));
            weft = start(settings);
        } catch (IllegalArgumentException badSetting) {
            System.err.println("weft: " + secrets.scrub(badSetting.getMessage()));
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(weft::shutdown, "weft shutdown"));
        System.out.printf("weft listening on %s://%s:%d (provider %s, %s, instance %s)%n", weft.scheme(), settings.host(), weft.port(),
                weft.providers().defaultProvider().name(), settings.redisUrl() == null ? "in memory" : "Redis", weft.instance());
        String notice = Exposure.of(settings.auth(), settings.host()).notice(settings.host());
        if (!notice.isEmpty()) System.out.println(notice);
    }

    /** Builds every part from the settings and starts serving. */
    public static Weft start(Settings settings) throws IOException {
        var timers = newTimers();
        return start(settings, configuredProviders(settings, timers), timers, UnaryOperator.identity(), System.out::println);
    }

    /** As {@link #start(Settings)}, with the given providers (tests add scripted ones) and stores seen through {@code wrap}. */
    public static Weft start(Settings settings, List<Provider> available, UnaryOperator<Stores> wrap) throws IOException {
        return start(settings, available, newTimers(), wrap, System.out::println);
    }

    /** As {@link #start(Settings, List, UnaryOperator)}, with the access log's lines going to {@code log}. */
    public static Weft start(Settings settings, List<Provider> available, UnaryOperator<Stores> wrap,
                             Consumer<String> log) throws IOException {
        return start(settings, available, newTimers(), wrap, log);
    }

    /**
     * @param log takes the access log's lines; {@code System.out::println} in production: PrintStream
     *            writes each line whole under its lock, and a line is written only after its request's
     *            answer or its run's done, so a slow stdout delays no client's bytes
     */
    private static Weft start(Settings s, List<Provider> available, ScheduledThreadPoolExecutor timers,
                              UnaryOperator<Stores> wrap, Consumer<String> log) throws IOException {
        EdgeParts edge;
        try { // every edge setting is checked before anything starts: a bad one leaves nothing running
            edge = EdgeParts.check(s);
        } catch (IllegalArgumentException refused) {
            timers.shutdownNow();
            throw refused;
        }
        String instance = Ids.newId("i_");
        var secrets = Secrets.of(s);
        var accessLog = new AccessLog(log, s.log());
        var metrics = new Metrics();
        var providers = new Providers(available, s.defaultProvider());
        var serverTools = ServerTools.builtIn(Clock.systemUTC());
        var workflows = new Workflows(s.workflowsFile() == null ? List.of()
                : WorkflowFile.load(Path.of(s.workflowsFile()), providers, serverTools.names()));
        var opened = openStores(s, instance, secrets, new Wakeups(timers));
        Stores stores = wrap.apply(opened.stores());
        Peers peers = opened.peers();

        var places = new HeldPlaces(new Places("runs", s.limits().maxRunsPerUser(), stores.counters(), s.runLease()),
                new Places("streams", s.limits().maxStreamsPerUser(), stores.counters(), s.runLease()));
        var users = new UserLimits(stores.counters(), places.runs(),
                new UserLimits.Settings(s.rateLimitPerMinute(), s.limits().tokensPerDay()));
        var admission = new Admission(workflows, providers, new Admission.Limits(s.maxActiveRuns(), s.maxInputChars()), users);
        var streams = new StreamLimits(new StreamLimits.Settings(s.limits().maxStreams(), s.limits().maxFollowersPerRun()),
                places.streams());
        var finisher = new RunFinisher(stores.runs(), stores.sessions(), stores.locks(), admission, metrics, s.runTimeout(),
                secrets, accessLog::runEnded);
        var executor = new RunExecutor(s.runTimeout(), finisher);
        var followers = new Followers(instance, executor, peers, timers, s.disconnectGrace());
        var runs = new Runs(instance, stores.runs(), stores.events(), stores.sessions(), stores.locks(),
                stores.idempotency(), admission, executor, followers, peers, providers, metrics,
                new Runs.Limits(s.runLease(), s.maxHistoryChars()), new Runs.Tooling(serverTools,
                        new RunTools.Settings(s.tools().clientTimeout(), s.tools().maxSteps())));
        var leases = new LeaseKeeper(instance, s.runLease(), stores.runs(), executor, finisher,
                new LostRuns(stores.runs(), stores.events(), stores.sessions(), stores.locks(), workflows, metrics), timers);
        every(timers, Duration.ofSeconds(1), stores.sweep());
        every(timers, Duration.ofMillis(Math.max(1, s.runLease().toMillis() / 3)), places::renew);
        gauges(metrics, stores, places, streams);

        // With a secret every instance derives the same ticket key; otherwise the stores share a random one.
        var tickets = new Tickets(s.auth().jwtSecret() != null ? () -> Tickets.derivedKey(s.auth().jwtSecret())
                : () -> stores.keys().key("tickets"), Clock.systemUTC());
        var options = new Api.Options(s.heartbeat(), s.sseRetry(), s.maxBodyBytes(), s.limits().maxDocuments(),
                s.limits().maxDocumentChars(), s.limits().maxTokens(), s.tools().maxTools(), serverTools.names(),
                s.tools().maxResultChars());
        var serving = Api.Serving.of(runs, stores, metrics, streams, options);
        // Other formats of the same runs: OpenAI's Chat Completions, Responses and model list, the AI SDK's UI stream.
        var models = new ModelNames(providers, workflows);
        var faces = new ArrayList<Router.Route>();
        faces.addAll(new ChatCompletionsApi(runs, workflows, models, serving, stores.events()).routes());
        faces.addAll(new ResponsesApi(runs, workflows, models, serving, stores.events(), stores.sessions()).routes());
        faces.addAll(new ModelsApi(models, System.currentTimeMillis() / 1000).routes());
        faces.addAll(new UiChatApi(runs, serving, stores.sessions(), stores.locks(), workflows).routes());
        // The browser page: a client of the same contract, served from the jar.
        faces.addAll(PageApi.fromClasspath().routes());
        var router = Api.router(serving, runs, stores, providers, workflows, metrics, options,
                new Api.Access(tickets, edge.exposure() == Exposure.INSECURE), faces);
        var openAiErrors = new OpenAiErrors();
        var server = edge.tls().bind(new InetSocketAddress(s.host(), s.port()), 4096);
        // The edge: every request passes these filters, in this order, before the router.
        server.createContext("/", router).getFilters().addAll(List.of(
                new ErrorShapes(Map.of("/v1/chat/completions", openAiErrors, "/v1/responses", openAiErrors,
                        "/v1/models", openAiErrors)),
                edge.clientAddress(),
                accessLog,
                new RequestLimits(edge.connections().maxConnections(), metrics),
                new SecurityHeaders(),
                edge.hostCheck(),
                edge.cors(),
                new Authenticate(edge.tokens(), tickets, router::access, s.auth().metricsToken())));
        var handlers = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(handlers);
        server.start();
        return new Weft(instance, server, runs, providers, stores, leases, places, timers, handlers, s.shutdownGrace());
    }

    /** What the stores and the limits hold, for /metrics. */
    private static void gauges(Metrics metrics, Stores stores, HeldPlaces places, StreamLimits streams) {
        metrics.gauge("weft_retained_runs", "Runs held, running or ended within their retention time.", () -> stores.counts().runs());
        metrics.gauge("weft_sessions", "Sessions held.", () -> stores.counts().sessions());
        metrics.gauge("weft_user_run_places", "Places under WEFT_MAX_RUNS_PER_USER this instance holds.", () -> places.runs().held());
        metrics.gauge("weft_user_stream_places", "Places under WEFT_MAX_STREAMS_PER_USER this instance holds.",
                () -> places.streams().held());
        metrics.gauge("weft_followed_runs", "Runs that streams of this instance follow.", streams::followedRuns);
    }

    /** The parts of the edge made from settings alone: each refuses a bad setting when it is made. */
    private record EdgeParts(ConnectionBudget connections, Exposure exposure, Optional<AccessTokens> tokens, Tls tls,
                             ClientAddress clientAddress, HostCheck hostCheck, Cors cors) {
        static EdgeParts check(Settings s) {
            return new EdgeParts(connectionBudget(s), Exposure.of(s.auth(), s.host()), AccessTokens.from(s.auth()),
                    Tls.load(s.web().tlsKeystore(), s.web().tlsPassword()), new ClientAddress(s.web().trustedProxies()),
                    new HostCheck(s.host(), new InetSocketAddress(s.host(), s.port()), s.web().allowedHosts()),
                    new Cors(s.web().corsOrigins()));
        }
    }

    private record OpenedStores(Stores stores, Peers peers) {}

    /** Memory, the embedded default, or Redis when REDIS_URL is set: then also the peers' control channel. */
    private static OpenedStores openStores(Settings s, String instance, Secrets secrets, Wakeups wakeups) {
        if (s.redisUrl() == null) {
            long bytesEach = s.maxRetainedMegabytes() * (1L << 20) / 2; // half for ended runs, half for sessions
            return new OpenedStores(Stores.inMemory(new Stores.MemoryLimits(s.runRetention().toMillis(), s.maxRetainedRuns(),
                    bytesEach, s.sessionTtl().toMillis(), s.maxSessions(), bytesEach), wakeups), Peers.none());
        }
        var redis = RedisStores.connect(s.redisUrl(), s.redisPrefix(), instance, new RedisStores.Limits(
                s.runRetention(), s.runTimeout().plus(s.runLease()), s.sessionTtl(), s.maxRetainedRuns(), s.maxSessions()),
                secrets, wakeups);
        return new OpenedStores(redis.stores(), redis.peers());
    }

    /** WEFT_MAX_CONNECTIONS, or what the file limit allows; refused when it does not fit the file limit. */
    private static ConnectionBudget connectionBudget(Settings s) {
        return ConnectionBudget.of(s.limits().maxConnections(), ConnectionBudget.fileLimit());
    }

    /**
     * The demo model, always, and each real provider whose key (or, for OpenAI-compatible
     * servers, base URL) is set. They share two HTTP clients on HTTP/1.1, one for plain http,
     * one for TLS: every answer streams on a connection of its own, so cancelling a run closes
     * exactly that TCP connection and the provider stops generating.
     */
    static List<Provider> configuredProviders(Settings s, ScheduledThreadPoolExecutor timers) {
        var http = new ProviderHttp(providerClient(Runnable::run), providerClient(providerIo()), timers,
                new ProviderHttp.Options(s.upstreamIdleTimeout(), s.providerRetries(), s.providerBackoff()), Secrets.of(s));
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

    /**
     * A provider client whose executor takes what follows each socket read: parsing the HTTP
     * response and handing the body's bytes to the run that reads it. For plain http (a model
     * server on this machine or network) that is {@code Runnable::run}: the client's selector
     * thread, which has just read the bytes, goes on with them, and no other thread wakes per
     * chunk (README, "The hot path": a request on loopback 1.5 → 0.8 ms, and about a tenth
     * off the CPU of a relayed delta at 1,000 streams).
     */
    private static HttpClient providerClient(java.util.concurrent.Executor executor) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).executor(executor).build();
    }

    /**
     * The TLS client's executor. There the work after a read includes decryption and handshakes,
     * which must not hold up the selector thread and with it every other answer. A virtual
     * thread per task would be a new thread per chunk; two platform threads take the reads in
     * turn.
     */
    private static java.util.concurrent.ExecutorService providerIo() {
        return Executors.newFixedThreadPool(2, Thread.ofPlatform().name("provider io ", 0).daemon().factory());
    }

    /** One timer thread; a cancelled timer leaves its queue at once, so it keeps nothing alive. */
    private static ScheduledThreadPoolExecutor newTimers() {
        var timers = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("weft timers").daemon().factory());
        timers.setRemoveOnCancelPolicy(true);
        return timers;
    }

    /** Housekeeping that must outlive a failure: a scheduled task that throws is never run again. */
    private static void every(ScheduledThreadPoolExecutor timers, Duration period, Runnable task) {
        timers.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                System.getLogger("weft").log(System.Logger.Level.DEBUG, "housekeeping failed, next try soon: " + e);
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String orElse(String value, String fallback) {
        return value != null ? value : fallback;
    }
}
