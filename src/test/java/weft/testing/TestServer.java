package weft.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.Main;
import weft.Weft;
import weft.config.Secrets;
import weft.config.Settings;
import weft.providers.DemoProvider;
import weft.providers.Provider;
import weft.providers.ProviderHttp;
import weft.store.Ids;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real Weft server on a free loopback port, for tests that talk HTTP to it.
 * Settings are the defaults with the given overrides (environment variable names).
 */
public final class TestServer implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    /** One timer thread for every provider the tests build: a thread per provider would pile up. */
    private static final java.util.concurrent.ScheduledExecutorService PROVIDER_TIMERS =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("test provider timers").daemon().factory());

    /** The access log's lines are kept, not printed: the last this many. */
    private static final int KEPT_LINES = 10_000;

    private final Weft weft;
    private final java.util.ArrayDeque<String> lines;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(Weft weft, java.util.ArrayDeque<String> lines) {
        this.weft = weft;
        this.lines = lines;
    }

    /** A server whose demo model answers instantly, plus any extra providers. */
    public static TestServer start(Map<String, String> overrides, Provider... extra) {
        return start(overrides, java.util.function.UnaryOperator.identity(), extra);
    }

    /** As {@link #start(Map, Provider...)}, with the server's stores seen through {@code wrap} (to break them). */
    public static TestServer start(Map<String, String> overrides, java.util.function.UnaryOperator<weft.store.Stores> wrap,
                                   Provider... extra) {
        var env = new HashMap<String, String>();
        env.put("WEFT_PORT", "0");
        env.put("WEFT_DEMO_TTFT", "0ms");
        env.put("WEFT_DEMO_TOKENS_PER_SECOND", "0");
        if (onRedis()) {
            env.put("REDIS_URL", RedisServer.shared().url());
            env.put("WEFT_REDIS_PREFIX", "test:" + Ids.newId("") + ":"); // each server its own keys
        }
        env.putAll(overrides);
        Settings settings = Settings.load(env);
        var providers = new ArrayList<Provider>();
        providers.add(new DemoProvider(settings.demoTimeToFirstToken(), settings.demoTokensPerSecond()));
        providers.addAll(List.of(extra));
        var lines = new java.util.ArrayDeque<String>();
        java.util.function.Consumer<String> log = line -> {
            synchronized (lines) {
                if (lines.size() == KEPT_LINES) lines.removeFirst();
                lines.addLast(line);
            }
        };
        try {
            return new TestServer(Main.start(settings, providers, wrap, log), lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether this test JVM runs the contract suite against Redis ({@code -Dweft.test.store=redis},
     * the second Surefire execution) rather than the embedded memory store.
     */
    public static boolean onRedis() {
        return "redis".equals(System.getProperty("weft.test.store"));
    }

    public static TestServer start(Provider... extra) {
        return start(Map.of(), extra);
    }

    public Weft weft() { return weft; }

    /** The access log's lines so far (the last {@value #KEPT_LINES}), oldest first. */
    public List<String> logLines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /**
     * The HTTP machinery real providers share, as Main builds it (plain http read on the
     * client's selector thread, TLS on the client's own threads), with test-sized patience:
     * e.g. {@code providerHttp(Duration.ofSeconds(5), 2, Duration.ofMillis(10))}.
     */
    public static ProviderHttp providerHttp(Duration idleTimeout, int retries, Duration backoff) {
        var plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).executor(Runnable::run).build();
        var tls = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        return new ProviderHttp(plain, tls, PROVIDER_TIMERS, new ProviderHttp.Options(idleTimeout, retries, backoff), Secrets.NONE);
    }

    /** Five seconds of patience, two retries 10 ms apart: the provider HTTP most provider tests want. */
    public static ProviderHttp patientProviderHttp() {
        return providerHttp(Duration.ofSeconds(5), 2, Duration.ofMillis(10));
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + weft.port() + path);
    }

    public HttpClient http() { return http; }

    /** A plain request; the answer's body as text. */
    public HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)));
    }

    public HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public HttpResponse<String> delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    public static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** Starts a background run and returns its id. */
    public String startBackground(String fields) {
        var response = post("/v1/runs", "{\"background\":true," + fields + "}");
        if (response.statusCode() != 202) throw new AssertionError("expected 202, got " + response.statusCode() + " " + response.body());
        return json(response).get("run_id").asText();
    }

    /** Opens an SSE stream: POST /v1/runs with the body, or GET of a path with headers. */
    public SseStream stream(HttpRequest.Builder request) {
        try {
            HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            return new SseStream(response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public SseStream streamRun(String body) {
        return stream(HttpRequest.newBuilder(uri("/v1/runs")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public SseStream follow(String runId, String... headers) {
        var request = HttpRequest.newBuilder(uri("/v1/runs/" + runId + "/events"));
        if (headers.length > 0) request.headers(headers);
        return stream(request);
    }

    /** The value of an unlabelled metric, or of one series such as {@code weft_runs_ended_total{status="completed"}}. */
    public double metric(String series) {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1));
        }
        return 0;
    }

    /**
     * The run's record once it has ended, read from the store (following its events would count
     * as a follower and change what its on_disconnect policy does).
     */
    public weft.store.RunRecord awaitEnd(String runId) {
        Await.until("run " + runId + " has ended", Duration.ofSeconds(30),
                () -> weft.stores().runs().find(runId).map(r -> !r.running()).orElse(false));
        return weft.stores().runs().find(runId).orElseThrow();
    }

    @Override
    public void close() {
        weft.shutdown();
    }
}
