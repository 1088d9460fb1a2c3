package weft.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import weft.testing.RedisServer;
import weft.testing.SseStream;
import weft.testing.TestServer;
import weft.testing.WeftProcess;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Several Weft instances in child JVMs on one redis-server of their own, and the HTTP a
 * test sends them. Each instance's lease is short, so a killed one is noticed in a second.
 */
final class Cluster implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    final RedisServer redis;
    final List<WeftProcess> instances = new ArrayList<>();

    private Cluster(RedisServer redis) {
        this.redis = redis;
    }

    static Cluster start(int size, Map<String, String> env) throws IOException {
        var cluster = new Cluster(RedisServer.process());
        try {
            for (int i = 0; i < size; i++) cluster.add(env);
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    WeftProcess add(Map<String, String> env) throws IOException {
        var all = new HashMap<String, String>();
        all.put("REDIS_URL", redis.url());
        all.put("WEFT_RUN_LEASE", "1s");
        all.put("WEFT_HEARTBEAT", "300ms");
        all.put("WEFT_DEMO_TOKENS_PER_SECOND", "200");
        all.putAll(env);
        var instance = WeftProcess.start(all);
        instances.add(instance);
        return instance;
    }

    WeftProcess get(int i) {
        return instances.get(i);
    }

    static HttpResponse<String> post(WeftProcess at, String path, String body) {
        return send(HttpRequest.newBuilder(at.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static HttpResponse<String> get(WeftProcess at, String path) {
        return send(HttpRequest.newBuilder(at.uri(path)));
    }

    static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts a background run and returns its id. */
    static String background(WeftProcess at, String fields) {
        var response = post(at, "/v1/runs", "{\"background\":true," + fields + "}");
        if (response.statusCode() != 202) throw new AssertionError(response.statusCode() + " " + response.body());
        return json(response).get("run_id").asText();
    }

    static SseStream follow(WeftProcess at, String runId, long after) {
        var request = HttpRequest.newBuilder(at.uri("/v1/runs/" + runId + "/events"));
        if (after > 0) request.header("Last-Event-ID", Long.toString(after));
        return stream(request);
    }

    static SseStream stream(HttpRequest.Builder request) {
        try {
            HttpResponse<InputStream> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            return SseStream.of(response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        return TestServer.json(response);
    }

    @Override
    public void close() {
        instances.forEach(WeftProcess::close);
        redis.close();
    }
}
