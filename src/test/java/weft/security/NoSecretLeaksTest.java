package weft.security;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import weft.testing.Await;
import weft.testing.MockProvider;
import weft.testing.MockProvider.Reply;
import weft.testing.RedisServer;
import weft.testing.TestServer;
import weft.testing.WeftProcess;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Weft in a child process, so that everything it prints (stdout and stderr, the access log,
 * warnings, stack traces) is captured, started with known secrets; mock providers that quote
 * the key in their errors; an unreachable base URL with {@code user:password@}; on the Redis
 * execution a Redis with a password, stopped half-way. Every endpoint and failure path is
 * called, and every byte received and every line logged is searched for the secrets and for
 * any {@value #FRAGMENT} characters in a row of them.
 */
class NoSecretLeaksTest {
    /** In every secret: it must appear nowhere. */
    private static final String CANARY = "LEAKCANARY";
    private static final int FRAGMENT = 12;
    private static final String ANTHROPIC_KEY = "sk-ant-api03-LEAKCANARY-anthropic-9f8e7d6c5b4a";
    private static final String OPENAI_KEY = "sk-proj-LEAKCANARY-openai-1a2b3c4d5e6f";
    private static final String GEMINI_KEY = "AIzaLEAKCANARY-gemini-0q9w8e7r6t5y";
    private static final String JWT_SECRET = "LEAKCANARY-jwt-secret-0123456789abcdef0123";
    private static final String METRICS_TOKEN = "LEAKCANARY-metrics-token-5566778899";
    private static final String URL_PASSWORD = "LEAKCANARY-urlpass-4242";
    private static final String REDIS_PASSWORD = "LEAKCANARY-redis-pw-31337";
    private static final String BOGUS_TOKEN = "LEAKCANARY-bogus-bearer-token-8080";
    private static final String TICKET = "LEAKCANARY-ticket-value-6543";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Every byte Weft sent back: status lines, headers, bodies. */
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private WeftProcess weft;
    private String token;

    @Test
    void noSecretAppearsInAnyAnswerEventMetricOrLogLine() throws Exception {
        token = JWT.create().withSubject("alice").withExpiresAt(Instant.now().plusSeconds(3600)).sign(Algorithm.HMAC256(JWT_SECRET));
        RedisServer redis = null;
        try (var anthropic = MockProvider.start(); var gemini = MockProvider.start()) {
            var env = new HashMap<String, String>(Map.of(
                    "ANTHROPIC_API_KEY", ANTHROPIC_KEY, "ANTHROPIC_BASE_URL", anthropic.baseUrl(),
                    "GEMINI_API_KEY", GEMINI_KEY, "GEMINI_BASE_URL", gemini.baseUrl(),
                    "OPENAI_API_KEY", OPENAI_KEY,
                    // Nothing listens there: the connection is refused.
                    "OPENAI_BASE_URL", "http://leakuser:" + URL_PASSWORD + "@127.0.0.1:" + RedisServer.freePort() + "/v1",
                    "WEFT_JWT_SECRET", JWT_SECRET, "WEFT_METRICS_TOKEN", METRICS_TOKEN,
                    "WEFT_PROVIDER", "demo", "WEFT_PROVIDER_RETRIES", "0"));
            env.put("WEFT_DEMO_TOKENS_PER_SECOND", "50");
            if (TestServer.onRedis()) {
                redis = RedisServer.process();
                int port = Integer.parseInt(redis.url().substring(redis.url().lastIndexOf(':') + 1));
                try (var jedis = new Jedis("127.0.0.1", port)) {
                    jedis.configSet("requirepass", REDIS_PASSWORD);
                }
                env.put("REDIS_URL", "redis://:" + REDIS_PASSWORD + "@127.0.0.1:" + port);
            }
            weft = WeftProcess.start(env);
            try {
                happyPaths();
                providerFailures(anthropic, gemini);
                badRequests();
                if (redis != null) {
                    redis.kill();
                    var health = get("/healthz", auth());
                    assertEquals(503, health.statusCode(), health.body());
                    assertTrue(health.body().contains("Redis"), health.body());
                    var refused = post("/v1/runs", "{\"input\":\"hi\",\"stream\":false}");
                    assertEquals(503, refused.statusCode(), refused.body());
                }
                // The access log's line for this request is the last: once it is in the log, all before it is.
                assertEquals(404, get("/v1/last-request", auth()).statusCode());
                Await.until("the last request's line in the child's log", Duration.ofSeconds(20),
                        () -> log().contains("/v1/last-request"));
            } finally {
                weft.close();
            }
            String everything = received.toString(StandardCharsets.UTF_8) + "\n" + log();
            assertTrue(everything.contains("\"type\":\"request\""), "the access log wrote request lines");
            assertTrue(everything.contains("[redacted]"), "the quoted keys were there to be masked");
            for (String secret : List.of(ANTHROPIC_KEY, OPENAI_KEY, GEMINI_KEY, JWT_SECRET, METRICS_TOKEN, URL_PASSWORD,
                    REDIS_PASSWORD, BOGUS_TOKEN, TICKET, token, token.substring(token.lastIndexOf('.') + 1))) {
                assertNoPieceOf(secret, everything);
            }
            assertFalse(everything.contains(CANARY), () -> "a secret leaked: " + around(everything, CANARY));
            assertFalse(everything.contains("leakuser:"), () -> "URL credentials leaked: " + around(everything, "leakuser:"));
        } finally {
            if (redis != null) redis.close();
        }
    }

    /** Settings that cannot start a server are refused with a message that quotes no secret. */
    @Test
    void aRefusedStartUpQuotesNoSecret() {
        var refused = assertThrows(IllegalStateException.class, () -> WeftProcess.start(Map.of(
                "ANTHROPIC_API_KEY", ANTHROPIC_KEY, "WEFT_TLS_PASSWORD", "LEAKCANARY-tls-password-1122",
                "REDIS_URL", "redis://:" + REDIS_PASSWORD + "@127.0.0.1:6379/not-a-db")));
        assertTrue(refused.getMessage().contains("REDIS_URL"), refused.getMessage());
        assertFalse(refused.getMessage().contains(CANARY), refused.getMessage());
        var badBase = assertThrows(IllegalStateException.class, () -> WeftProcess.start(Map.of(
                "OPENAI_BASE_URL", "ftp://leakuser:" + URL_PASSWORD + "@example.com/v1")));
        assertTrue(badBase.getMessage().contains("OPENAI_BASE_URL"), badBase.getMessage());
        assertFalse(badBase.getMessage().contains(CANARY) || badBase.getMessage().contains("leakuser:"), badBase.getMessage());
    }

    private void happyPaths() throws Exception {
        var streamed = post("/v1/runs", "{\"input\":\"hi\",\"max_tokens\":5}");
        assertEquals(200, streamed.statusCode());
        assertTrue(streamed.body().contains("event: done"), streamed.body());

        var blocking = post("/v1/runs", "{\"input\":\"hi\",\"stream\":false,\"max_tokens\":5}");
        assertEquals(200, blocking.statusCode(), blocking.body());
        String sessionId = TestServer.json(blocking).get("session_id").asText();

        var background = post("/v1/runs", "{\"input\":\"hi\",\"background\":true,\"max_tokens\":400}");
        assertEquals(202, background.statusCode(), background.body());
        String runId = TestServer.json(background).get("run_id").asText();
        var cancel = post("/v1/runs/" + runId + "/cancel", "");
        assertTrue(cancel.statusCode() == 202 || cancel.statusCode() == 409, cancel.body());
        var events = get("/v1/runs/" + runId + "/events?ticket=" + TICKET, auth());
        assertTrue(events.body().contains("event: done"), events.body());
        get("/v1/runs/" + runId + "/events?ticket=" + TICKET, "Last-Event-ID", "2", "Authorization", "Bearer " + BOGUS_TOKEN);
        get("/v1/runs/" + runId, auth());
        post("/v1/runs/" + runId + "/agents/assistant/cancel", "");
        post("/v1/runs/" + runId + "/cancel", "");

        get("/v1/sessions/" + sessionId, auth());
        send(HttpRequest.newBuilder(weft.uri("/v1/sessions/" + sessionId)).headers(auth()).DELETE());
        get("/v1/sessions/" + sessionId, auth());
        get("/v1/workflows", auth());
        get("/healthz");
        var metrics = get("/metrics", "Authorization", "Bearer " + METRICS_TOKEN);
        assertEquals(200, metrics.statusCode(), metrics.body());
        get("/metrics", "Authorization", "Bearer " + BOGUS_TOKEN);
    }

    private void providerFailures(MockProvider anthropic, MockProvider gemini) throws Exception {
        anthropic.enqueue(Reply.status(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
                + "\"message\":\"Incorrect API key provided: " + ANTHROPIC_KEY + "\"}}"));
        assertError("anthropic", "provider_auth");
        anthropic.enqueue(Reply.sse("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3}}}\n\n"
                + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"key "
                + ANTHROPIC_KEY.substring(0, 24) + "… is overloaded\"}}\n\n"));
        assertError("anthropic", "provider_unavailable");
        anthropic.enqueue(Reply.sse("event: message_start\ndata: {not json " + ANTHROPIC_KEY + "\n\n"));
        assertError("anthropic", "provider_protocol");
        anthropic.enqueue(Reply.status(200, "<html>your key " + ANTHROPIC_KEY + " is wrong</html>").header("Content-Type", "text/html"));
        assertError("anthropic", "provider_protocol");
        anthropic.enqueue(Reply.status(404, "garbage " + ANTHROPIC_KEY + " \u0000\u0001 not json"));
        assertError("anthropic", "provider_bad_request");

        gemini.enqueue(Reply.status(500, "{\"error\":{\"code\":500,\"status\":\"INTERNAL\",\"message\":\"failed for key " + GEMINI_KEY + "\"}}"));
        assertError("gemini", "provider_unavailable");
        gemini.enqueue(Reply.status(403, "[{\"error\":{\"code\":403,\"status\":\"PERMISSION_DENIED\",\"message\":\"API key not valid: "
                + GEMINI_KEY.substring(0, 18) + "...\"}}]"));
        assertError("gemini", "provider_auth");

        assertError("openai", "provider_unavailable"); // connection refused at the URL with user:password@
    }

    /** A streamed run on {@code provider} ends with an error event of {@code code}; it is read again by replay. */
    private void assertError(String provider, String code) throws Exception {
        var run = post("/v1/runs", "{\"input\":\"hi\",\"provider\":\"" + provider + "\"}");
        assertEquals(200, run.statusCode(), run.body());
        assertTrue(run.body().contains("\"code\":\"" + code + "\""), provider + " should fail with " + code + ": " + run.body());
        String runId = run.headers().firstValue("X-Run-Id").orElseThrow();
        get("/v1/runs/" + runId + "/events", auth());
        get("/v1/runs/" + runId, auth());
    }

    private void badRequests() throws Exception {
        post("/v1/runs", "{\"input\":");
        post("/v1/runs", "[1,2");
        post("/v1/runs", "{\"input\":\"hi\",\"provider\":\"nope\"}");
        post("/v1/runs", "{\"input\":\"hi\",\"max_tokens\":\"" + BOGUS_TOKEN.length() + "x\"}");
        get("/v1/nothing-here?ticket=" + TICKET + "&token=" + BOGUS_TOKEN, auth());
        get("/v1/runs/r_missing?ticket=" + TICKET, "Authorization", "Bearer " + BOGUS_TOKEN);
        get("/v1/runs/r_missing/events?ticket=" + TICKET);
        send(HttpRequest.newBuilder(weft.uri("/v1/runs?ticket=" + TICKET)).headers(auth())
                .method("PUT", HttpRequest.BodyPublishers.ofString("{}")));
        get("/metrics?token=" + BOGUS_TOKEN, "Authorization", "Basic " + BOGUS_TOKEN);
    }

    private String[] auth() {
        return new String[]{"Authorization", "Bearer " + token};
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        var request = HttpRequest.newBuilder(weft.uri(path));
        if (headers.length > 0) request.headers(headers);
        return send(request);
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(weft.uri(path)).headers(auth()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Sends, waits for the whole answer, and keeps every byte of it. */
    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        var response = http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        var head = new StringBuilder().append(response.statusCode()).append('\n');
        response.headers().map().forEach((name, values) -> head.append(name).append(": ").append(values).append('\n'));
        received.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        received.writeBytes(response.body().getBytes(StandardCharsets.UTF_8));
        received.write('\n');
        return response;
    }

    private String log() {
        try {
            return Files.readString(weft.log());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertNoPieceOf(String secret, String text) {
        var pieces = new ArrayList<String>();
        pieces.add(secret);
        for (int i = 0; i + FRAGMENT <= secret.length(); i++) pieces.add(secret.substring(i, i + FRAGMENT));
        for (String piece : pieces) {
            assertFalse(text.contains(piece), () -> "'" + piece + "' of a secret leaked: " + around(text, piece));
        }
    }

    private static String around(String text, String piece) {
        int at = text.indexOf(piece);
        return text.substring(Math.max(0, at - 300), Math.min(text.length(), at + piece.length() + 100));
    }
}
