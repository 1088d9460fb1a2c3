package weft.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every row of the contract's "Errors outside a stream" table, over real HTTP: the status,
 * the exact code, the {@code {"error":{"code","message"}}} JSON shape, and a message that says
 * what to change. Every refused {@code POST /v1/runs} is also checked to leave no run behind.
 */
class ErrorTableTest {
    /** Answers at once: for runs that must simply end. */
    private static final ScriptedProvider SCRIPT = ScriptedProvider.of("script", List.of("a", "b"));
    /** Keeps a run running for half an hour unless it is cancelled. */
    private static final List<String> ENDLESS = IntStream.range(0, 100_000).mapToObj(i -> " w" + i).toList();
    private static final ScriptedProvider SLOW = ScriptedProvider.of("slow", ENDLESS).pausing(Duration.ofMillis(20));

    /** Default limits: most rows. */
    private static TestServer server;
    /** WEFT_MAX_BODY_BYTES=1000, WEFT_MAX_INPUT_CHARS=100: the 413 rows. */
    private static TestServer small;
    /** A run of {@link #server} that has completed. */
    private static String endedRunId;

    @BeforeAll
    static void start() {
        server = TestServer.start(SCRIPT, SLOW);
        small = TestServer.start(Map.of("WEFT_MAX_BODY_BYTES", "1000", "WEFT_MAX_INPUT_CHARS", "100"), SCRIPT);
        var ended = server.post("/v1/runs", "{\"input\":\"hi\",\"provider\":\"script\",\"stream\":false}");
        assertEquals(200, ended.statusCode(), ended.body());
        assertEquals("completed", TestServer.json(ended).get("status").asText());
        endedRunId = TestServer.json(ended).get("run_id").asText();
    }

    @AfterAll
    static void stop() {
        try {
            if (server != null) server.close();
        } finally {
            if (small != null) small.close();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static HttpRequest.Builder request(TestServer s, String method, String path, String contentType, String body) {
        var builder = HttpRequest.newBuilder(s.uri(path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) builder.header("Content-Type", contentType);
        return builder;
    }

    private static HttpRequest.Builder postJson(TestServer s, String body) {
        return request(s, "POST", "/v1/runs", "application/json", body);
    }

    /**
     * Asserts the contract's error answer: the status, JSON content type, a body that is exactly
     * {@code {"error":{…}}} with a textual code and message, the exact code, and that the message
     * contains every fragment (each naming what the client should change). Returns the error object.
     */
    private static JsonNode assertError(HttpResponse<String> response, int status, String code, String... fragments) {
        String seen = response.request().method() + " " + response.request().uri().getPath() + " answered "
                + response.statusCode() + " " + response.headers().map() + " " + response.body();
        assertEquals(status, response.statusCode(), seen);
        String type = response.headers().firstValue("Content-Type").orElse("");
        assertEquals("application/json", type.split(";")[0].strip().toLowerCase(Locale.ROOT), seen);
        JsonNode body = TestServer.json(response);
        assertTrue(body.isObject() && body.size() == 1 && body.path("error").isObject(),
                "the body must be {\"error\":{…}}: " + seen);
        JsonNode error = body.get("error");
        assertTrue(error.path("code").isTextual(), "error.code must be a string: " + seen);
        assertTrue(error.path("message").isTextual(), "error.message must be a string: " + seen);
        assertEquals(code, error.get("code").asText(), seen);
        String message = error.get("message").asText();
        assertFalse(message.isBlank(), "the message must say what to change: " + seen);
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), "the message should mention " + fragment + ": " + message);
        }
        return error;
    }

    private record RunCounts(double retained, double active, double started) {
        static RunCounts of(TestServer s) {
            return new RunCounts(s.metric("weft_retained_runs"), s.metric("weft_active_runs"),
                    s.metric("weft_runs_started_total"));
        }
    }

    /** As {@link #assertError}, for a refused run: the server must hold no more runs than before. */
    private static HttpResponse<String> assertRunRefused(TestServer s, HttpRequest.Builder request, int status,
                                                         String code, String... fragments) {
        RunCounts before = RunCounts.of(s);
        HttpResponse<String> response = s.send(request);
        assertError(response, status, code, fragments);
        assertEquals(before, RunCounts.of(s), "a refused run must leave nothing behind: " + response.body());
        return response;
    }

    private static HttpResponse<String> assertRunRefused(String body, int status, String code, String... fragments) {
        return assertRunRefused(server, postJson(server, body), status, code, fragments);
    }

    private static void assertRetryAfterWholeSeconds(HttpResponse<String> response) {
        String retryAfter = response.headers().firstValue("Retry-After")
                .orElseThrow(() -> new AssertionError("no Retry-After header: " + response.headers().map()));
        assertTrue(retryAfter.matches("[0-9]+"), "Retry-After must be whole seconds: " + retryAfter);
        assertTrue(Long.parseLong(retryAfter) >= 1, "Retry-After must be at least 1: " + retryAfter);
    }

    private static String completeRun(TestServer s, String fields) {
        var answer = s.post("/v1/runs", "{\"stream\":false," + fields + "}");
        assertEquals(200, answer.statusCode(), answer.body());
        return TestServer.json(answer).get("session_id").asText();
    }

    // ---------------------------------------------------------------- 400 invalid_json

    @Test
    void malformedJsonIsInvalidJsonAndGivesLineAndColumn() {
        assertRunRefused("{\"input\": \"hi\",\n  oops: 1}", 400, "invalid_json", "not valid JSON", "line 2", "column");
    }

    @Test
    void emptyBodyIsInvalidJsonAndShowsAnExample() {
        assertRunRefused("", 400, "invalid_json", "empty", "{\"input\":");
    }

    @Test
    void jsonArrayInsteadOfAnObjectIsInvalidJson() {
        assertRunRefused("[{\"input\":\"hi\"}]", 400, "invalid_json", "JSON object");
    }

    @Test
    void contentAfterTheJsonObjectIsInvalidJson() {
        assertRunRefused("{\"input\":\"hi\",\"provider\":\"script\",\"stream\":false} {\"input\":\"again\"}",
                400, "invalid_json", "JSON");
    }

    // ---------------------------------------------------------------- 400 invalid_request: the body

    @Test
    void missingInputIsInvalidAndSaysInputIsRequired() {
        assertRunRefused("{\"provider\":\"script\"}", 400, "invalid_request", "'input'", "required");
    }

    @ParameterizedTest(name = "input {0}")
    @ValueSource(strings = {"\"\"", "\"   \""})
    void emptyInputIsInvalid(String input) {
        assertRunRefused("{\"input\":" + input + "}", 400, "invalid_request", "'input'", "empty");
    }

    @Test
    void inputThatIsANumberIsInvalidAndAsksForAString() {
        assertRunRefused("{\"input\":42}", 400, "invalid_request", "'input'", "string", "42");
    }

    @Test
    void streamThatIsAStringIsInvalidAndAsksForABoolean() {
        assertRunRefused("{\"input\":\"hi\",\"stream\":\"yes\"}", 400, "invalid_request", "'stream'", "true or false", "yes");
    }

    @ParameterizedTest(name = "max_tokens {0}")
    @ValueSource(strings = {"0", "-1", "1.5", "\"10\""})
    void maxTokensThatIsNotAPositiveWholeNumberIsInvalid(String value) {
        assertRunRefused("{\"input\":\"hi\",\"max_tokens\":" + value + "}", 400, "invalid_request",
                "'max_tokens'", "whole number of at least 1", value);
    }

    @Test
    void documentsThatIsNotAnArrayIsInvalid() {
        assertRunRefused("{\"input\":\"hi\",\"documents\":{\"text\":\"alpha\"}}", 400, "invalid_request",
                "'documents'", "array");
    }

    @Test
    void documentWithoutTextIsInvalidAndNamesTheDocument() {
        assertRunRefused("{\"input\":\"hi\",\"documents\":[{\"id\":\"a\",\"title\":\"A\"}]}", 400, "invalid_request",
                "documents[0].text", "required");
    }

    @Test
    void unknownOnDisconnectValueIsInvalidAndListsTheChoices() {
        assertRunRefused("{\"input\":\"hi\",\"on_disconnect\":\"sometimes\"}", 400, "invalid_request",
                "'on_disconnect'", "sometimes", "continue", "cancel", "grace");
    }

    @Test
    void unknownProviderIsInvalidAndListsTheAvailableOnes() {
        assertRunRefused("{\"input\":\"hi\",\"provider\":\"nope\"}", 400, "invalid_request",
                "'nope'", "demo", "script", "slow");
    }

    @Test
    void unconfiguredOpenaiProviderIsInvalidAndNamesItsApiKey() {
        assertRunRefused("{\"input\":\"hi\",\"provider\":\"openai\"}", 400, "invalid_request",
                "'openai'", "OPENAI_API_KEY");
    }

    @Test
    void misspelledTopLevelFieldIsInvalidAndNamesItAndTheRealFields() {
        assertRunRefused("{\"inptu\":\"hi\"}", 400, "invalid_request", "'inptu'", "input");
    }

    // ---------------------------------------------------------------- 400 invalid_request: where to resume

    @ParameterizedTest(name = "Last-Event-ID: {0}")
    @ValueSource(strings = {"abc", "-1"})
    void lastEventIdThatIsNotANonNegativeIntegerIsInvalid(String value) {
        var answer = server.send(HttpRequest.newBuilder(server.uri("/v1/runs/" + endedRunId + "/events"))
                .header("Last-Event-ID", value));
        assertError(answer, 400, "invalid_request", "Last-Event-ID", "'" + value + "'", "non-negative integer");
    }

    @Test
    void afterQueryThatIsNotANonNegativeIntegerIsInvalid() {
        var answer = server.get("/v1/runs/" + endedRunId + "/events?after=x");
        assertError(answer, 400, "invalid_request", "after", "'x'", "non-negative integer");
    }

    // ---------------------------------------------------------------- 404 not_found

    @Test
    void unknownRunIsNotFoundToGetFollowAndCancel() {
        assertError(server.get("/v1/runs/r_unknown"), 404, "not_found", "'r_unknown'");
        assertError(server.get("/v1/runs/r_unknown/events"), 404, "not_found", "'r_unknown'");
        assertError(server.post("/v1/runs/r_unknown/cancel", ""), 404, "not_found", "'r_unknown'");
    }

    @Test
    void unknownSessionIsNotFoundToGetAndDelete() {
        assertError(server.get("/v1/sessions/s_unknown"), 404, "not_found", "'s_unknown'");
        assertError(server.delete("/v1/sessions/s_unknown"), 404, "not_found", "'s_unknown'");
    }

    @Test
    void runOnAnUnknownSessionIsNotFoundAndSaysToLeaveSessionIdOut() {
        assertRunRefused("{\"input\":\"hi\",\"session_id\":\"s_unknown\"}", 404, "not_found",
                "'s_unknown'", "session_id");
    }

    @Test
    void deletedSessionIsNotFoundAfterwards() {
        String sessionId = completeRun(server, "\"input\":\"hi\",\"provider\":\"script\"");
        assertEquals(200, server.get("/v1/sessions/" + sessionId).statusCode());
        assertEquals(204, server.delete("/v1/sessions/" + sessionId).statusCode());
        assertError(server.get("/v1/sessions/" + sessionId), 404, "not_found", sessionId);
        assertError(server.delete("/v1/sessions/" + sessionId), 404, "not_found", sessionId);
        assertRunRefused("{\"input\":\"again\",\"session_id\":\"" + sessionId + "\"}", 404, "not_found", sessionId);
    }

    @Test
    void unknownWorkflowIsNotFoundAndPointsToTheWorkflowList() {
        assertRunRefused("{\"input\":\"hi\",\"workflow\":\"nope\"}", 404, "not_found", "'nope'", "GET /v1/workflows");
    }

    @ParameterizedTest(name = "GET {0}")
    @ValueSource(strings = {"/index.html", "/v2/runs", "/v1/run", "/v1/runs/r_x/events/more", "/v1/sessions"}) // "/" is the page
    void unknownPathIsNotFoundAndNamesThePath(String path) {
        assertError(server.get(path), 404, "not_found", path);
    }

    // ---------------------------------------------------------------- 405 method_not_allowed

    @ParameterizedTest(name = "{0} {1} allows {2}")
    @CsvSource({
            "PUT, /v1/runs, POST",
            "GET, /v1/runs, POST",
            "DELETE, /v1/runs/r_any, 'GET, HEAD'",
            "GET, /v1/runs/r_any/cancel, POST",
            "POST, /v1/sessions/s_any, 'GET, HEAD, DELETE'",
            "POST, /healthz, 'GET, HEAD'",
    })
    void knownPathWithAnotherMethodIsNotAllowedAndSaysWhichAre(String method, String path, String allow) {
        String body = method.equals("PUT") || method.equals("POST") ? "{\"input\":\"hi\"}" : null;
        RunCounts before = RunCounts.of(server);
        var answer = server.send(request(server, method, path, body == null ? null : "application/json", body));
        assertError(answer, 405, "method_not_allowed", method, allow.split(", ")[0]);
        assertEquals(allow, answer.headers().firstValue("Allow").orElse(null), "Allow header of " + method + " " + path);
        assertEquals(before, RunCounts.of(server));
    }

    // ---------------------------------------------------------------- 409 conflict

    @Test
    void cancelOfAnEndedRunIsAConflictCarryingItsStatus() {
        var error = assertError(server.post("/v1/runs/" + endedRunId + "/cancel", ""), 409, "conflict",
                endedRunId, "ended", "completed");
        assertEquals("completed", error.path("status").asText(), error.toString());
        assertEquals(endedRunId, error.path("run_id").asText(), error.toString());
        assertEquals("completed", TestServer.json(server.get("/v1/runs/" + endedRunId)).get("status").asText());
    }

    @Test
    void secondRunOnASessionWhoseRunIsStillRunningIsAConflictAndLeavesTheSessionAlone() throws Exception {
        var first = TestServer.json(server.post("/v1/runs",
                "{\"input\":\"first\",\"provider\":\"slow\",\"background\":true}"));
        String runId = first.get("run_id").asText();
        String sessionId = first.get("session_id").asText();
        try (SseStream stream = server.follow(runId)) {
            assertEquals("run_started", stream.nextEvent().type());
            SLOW.awaitEmitted(1);

            assertRunRefused("{\"input\":\"second\",\"provider\":\"script\",\"session_id\":\"" + sessionId + "\"}",
                    409, "conflict", sessionId, runId, "cancel");

            assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
            assertEquals("cancelled", stream.readToDone().getLast().text("status"));
        }
        var messages = TestServer.json(server.get("/v1/sessions/" + sessionId)).get("messages");
        assertEquals(2, messages.size(), "only the first run is in the session: " + messages);
        assertEquals("first", messages.get(0).get("content").asText());
        assertEquals(runId, messages.get(1).get("run_id").asText());
    }

    // ---------------------------------------------------------------- 413 too_large

    private static String bodyOfBytes(int bytes) {
        String head = "{\"input\":\"";
        String tail = "\"}";
        return head + "x".repeat(bytes - head.length() - tail.length()) + tail;
    }

    @Test
    void bodyOverTheLimitWithContentLengthIsTooLargeAndNamesTheLimit() {
        String body = bodyOfBytes(1001);
        assertEquals(1001, body.getBytes(StandardCharsets.UTF_8).length);
        assertRunRefused(small, postJson(small, body), 413, "too_large", "1000 bytes");
    }

    @Test
    void chunkedBodyOverTheLimitIsTooLargeAndNamesTheLimit() {
        byte[] body = bodyOfBytes(5000).getBytes(StandardCharsets.UTF_8);
        var request = HttpRequest.newBuilder(small.uri("/v1/runs")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
        assertRunRefused(small, request, 413, "too_large", "1000 bytes");
    }

    @Test
    void bodyAtTheLimitIsNotTooLarge() {
        String body = "{\"stream\":false,\"provider\":\"script\",\"system\":\"" + "x".repeat(100) + "\",\"input\":\"hi\"}";
        String padded = body.substring(0, body.length() - 1) + " ".repeat(1000 - body.length()) + "}";
        assertEquals(1000, padded.getBytes(StandardCharsets.UTF_8).length);
        var answer = small.post("/v1/runs", padded);
        assertEquals(200, answer.statusCode(), answer.body());
    }

    @Test
    void inputOverItsCharacterLimitIsTooLargeAndNamesTheLimit() {
        assertRunRefused(small, postJson(small, "{\"input\":\"" + "x".repeat(101) + "\"}"), 413, "too_large",
                "'input'", "100");
    }

    // ---------------------------------------------------------------- 415 unsupported_media_type

    @Test
    void plainTextBodyIsUnsupportedMediaTypeAndAsksForJson() {
        assertRunRefused(server, request(server, "POST", "/v1/runs", "text/plain", "{\"input\":\"hi\"}"),
                415, "unsupported_media_type", "text/plain", "application/json");
    }

    @Test
    void formEncodedBodyThatIsNotJsonIsUnsupportedMediaTypeAndAsksForJson() {
        assertRunRefused(server, request(server, "POST", "/v1/runs", "application/x-www-form-urlencoded", "input=hi"),
                415, "unsupported_media_type", "application/x-www-form-urlencoded", "application/json");
    }

    // ---------------------------------------------------------------- 429 rate_limited

    @Test
    void thirdRunInARowIsRateLimitedWithRetryAfter() {
        try (TestServer limited = TestServer.start(Map.of("WEFT_RATE_LIMIT", "2"), SCRIPT)) {
            completeRun(limited, "\"input\":\"one\",\"provider\":\"script\"");
            completeRun(limited, "\"input\":\"two\",\"provider\":\"script\"");
            var refused = assertRunRefused(limited, postJson(limited, "{\"input\":\"three\",\"provider\":\"script\"}"),
                    429, "rate_limited", "2 a minute");
            assertRetryAfterWholeSeconds(refused);
        }
    }

    @Test
    void refusedRunsDoNotSpendTheRateLimit() {
        try (TestServer limited = TestServer.start(Map.of("WEFT_RATE_LIMIT", "2"), SCRIPT)) {
            for (int i = 0; i < 3; i++) {
                assertRunRefused(limited, postJson(limited, "{\"input\":\"hi\",\"session_id\":\"s_typo\"}"),
                        404, "not_found", "'s_typo'");
            }
            completeRun(limited, "\"input\":\"one\",\"provider\":\"script\"");
            completeRun(limited, "\"input\":\"two\",\"provider\":\"script\"");
        }
    }

    // ---------------------------------------------------------------- 503 overloaded

    @Test
    void runBeyondTheActiveRunLimitIsOverloadedWithRetryAfter() throws Exception {
        var slow = ScriptedProvider.of("slow", ENDLESS).pausing(Duration.ofMillis(20));
        try (TestServer busy = TestServer.start(Map.of("WEFT_MAX_ACTIVE_RUNS", "1"), SCRIPT, slow)) {
            String runId = busy.startBackground("\"input\":\"hold\",\"provider\":\"slow\"");
            try (SseStream stream = busy.follow(runId)) {
                slow.awaitEmitted(1);
                var refused = assertRunRefused(busy, postJson(busy, "{\"input\":\"one more\",\"provider\":\"script\"}"),
                        503, "overloaded", "limit of 1");
                assertRetryAfterWholeSeconds(refused);

                assertEquals(202, busy.post("/v1/runs/" + runId + "/cancel", "").statusCode());
                assertEquals("cancelled", stream.readToDone().getLast().text("status"));
            }
            completeRun(busy, "\"input\":\"now there is room\",\"provider\":\"script\"");
        }
    }
}
