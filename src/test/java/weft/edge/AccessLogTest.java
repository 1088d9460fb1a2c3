package weft.edge;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import weft.providers.ModelRequest;
import weft.providers.Provider;
import weft.providers.Part;
import weft.providers.PartSink;
import weft.providers.Usage;
import weft.testing.Await;
import weft.testing.ScriptedProvider;
import weft.testing.TestServer;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The access log's two kinds of line, field by field, and what WEFT_LOG keeps of them. */
class AccessLogTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static List<JsonNode> lines(TestServer server, String type) {
        return server.logLines().stream().map(AccessLogTest::parse).filter(j -> j.path("type").asText().equals(type)).toList();
    }

    private static JsonNode parse(String line) {
        try {
            return TestServer.JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }

    private static Optional<JsonNode> requestLine(TestServer server, String method, String path) {
        return lines(server, "request").stream()
                .filter(j -> j.path("method").asText().equals(method) && j.path("path").asText().equals(path)).findFirst();
    }

    private static JsonNode awaitRequestLine(TestServer server, String method, String path) {
        Await.until("a line for " + method + " " + path, WAIT, () -> requestLine(server, method, path).isPresent());
        return requestLine(server, method, path).orElseThrow();
    }

    private static JsonNode awaitRunLine(TestServer server, String runId) {
        Await.until("the run line of " + runId, WAIT,
                () -> lines(server, "run").stream().anyMatch(j -> j.path("run_id").asText().equals(runId)));
        return lines(server, "run").stream().filter(j -> j.path("run_id").asText().equals(runId)).findFirst().orElseThrow();
    }

    @Test
    void aRequestLineHasTimeMethodPathStatusDurationSubjectRunIdBytesAndClient() {
        try (var server = TestServer.start(Map.of())) {
            String runId = server.startBackground("\"input\":\"hi\"");
            server.awaitEnd(runId);
            long before = System.currentTimeMillis();
            var answer = server.get("/v1/runs/" + runId);
            assertEquals(200, answer.statusCode());

            JsonNode line = awaitRequestLine(server, "GET", "/v1/runs/" + runId);
            Instant time = Instant.parse(line.get("time").asText());
            assertTrue(time.toEpochMilli() >= before - 1000 && time.toEpochMilli() <= System.currentTimeMillis(), line.toString());
            assertEquals(200, line.get("status").asInt());
            assertTrue(line.get("duration_ms").isIntegralNumber() && line.get("duration_ms").asLong() >= 0, line.toString());
            assertEquals("anonymous", line.get("subject").asText());
            assertEquals(runId, line.get("run_id").asText());
            assertEquals(answer.body().getBytes(StandardCharsets.UTF_8).length, line.get("bytes").asLong());
            assertEquals("127.0.0.1", line.get("client").asText());

            // The background start names its run through its Location.
            JsonNode start = awaitRequestLine(server, "POST", "/v1/runs");
            assertEquals(202, start.get("status").asInt());
            assertEquals(runId, start.get("run_id").asText());
        }
    }

    @Test
    void aRequestAboutNoRunHasANullRunIdAndItsErrorStatus() {
        try (var server = TestServer.start(Map.of())) {
            var answer = server.get("/no/such/path");
            assertEquals(404, answer.statusCode());
            JsonNode line = awaitRequestLine(server, "GET", "/no/such/path");
            assertEquals(404, line.get("status").asInt());
            assertTrue(line.get("run_id").isNull(), line.toString());
            assertEquals(answer.body().getBytes(StandardCharsets.UTF_8).length, line.get("bytes").asLong());
        }
    }

    @Test
    void theQueryIsLeftOutSoATicketOrTokenNeverReachesTheLog() {
        try (var server = TestServer.start(Map.of())) {
            String runId = server.startBackground("\"input\":\"hi\"");
            server.awaitEnd(runId);
            String ticket = TestServer.json(server.post("/v1/runs/" + runId + "/ticket", "")).get("ticket").asText();
            var replay = server.get("/v1/runs/" + runId + "/events?ticket=" + ticket + "&after=0");
            assertEquals(200, replay.statusCode());
            JsonNode line = awaitRequestLine(server, "GET", "/v1/runs/" + runId + "/events");
            assertEquals(runId, line.get("run_id").asText());
            assertEquals(replay.body().getBytes(StandardCharsets.UTF_8).length, line.get("bytes").asLong());
            var refused = server.get("/v1/runs/" + runId + "?token=eyJSECRETTOKEN");
            assertEquals(401, refused.statusCode(), "a token in a URL is refused, and not logged either");
            awaitRequestLine(server, "GET", "/v1/runs/" + runId);
            for (String l : server.logLines()) {
                assertFalse(l.contains(ticket) || l.contains("SECRET") || l.contains("ticket=") || l.contains("token="), l);
            }
        }
    }

    /** Streams one piece, then waits for the test to let it finish. */
    private static final class Gated implements Provider {
        final CountDownLatch firstOut = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override public String name() { return "gated"; }

        @Override public String defaultModel() { return "gated-model"; }

        @Override
        public void stream(ModelRequest request, PartSink sink) throws InterruptedException {
            sink.accept(new Part.Text("first"));
            firstOut.countDown();
            if (!release.await(20, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
            sink.accept(new Part.Text(" second"));
            sink.accept(new Part.Finish("stop", new Usage(3, 2, false)));
        }
    }

    @Test
    void aStreamIsLoggedWhenItEndsWithEveryByteItSent() throws Exception {
        var gated = new Gated();
        try (var server = TestServer.start(Map.of(), gated)) {
            var response = server.http().send(HttpRequest.newBuilder(server.uri("/v1/runs"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hi\",\"provider\":\"gated\"}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            String runId = response.headers().firstValue("X-Run-Id").orElseThrow();
            assertTrue(gated.firstOut.await(20, TimeUnit.SECONDS));
            var received = new ByteArrayOutputStream();
            try (InputStream body = response.body()) {
                byte[] buffer = new byte[8192];
                // The stream is open (the provider waits): its line is not written yet.
                while (!received.toString(StandardCharsets.UTF_8).contains("\"first\"")) {
                    int n = body.read(buffer);
                    if (n < 0) throw new AssertionError("the stream ended early: " + received);
                    received.write(buffer, 0, n);
                }
                assertTrue(requestLine(server, "POST", "/v1/runs").isEmpty(), server.logLines().toString());
                gated.release.countDown();
                for (int n; (n = body.read(buffer)) >= 0; ) received.write(buffer, 0, n);
            }
            assertTrue(received.toString(StandardCharsets.UTF_8).contains("event: done"));

            JsonNode line = awaitRequestLine(server, "POST", "/v1/runs");
            assertEquals(200, line.get("status").asInt());
            assertEquals(runId, line.get("run_id").asText());
            assertEquals(received.size(), line.get("bytes").asLong());
        }
    }

    @Test
    void aRunLineHasIdSubjectStatusWorkflowProvidersTokensAndTimeToFirstToken() {
        try (var server = TestServer.start(Map.of(), ScriptedProvider.of("script", List.of("a", "b", "c")))) {
            var answer = server.post("/v1/runs", "{\"input\":\"hi\",\"provider\":\"script\",\"stream\":false}");
            assertEquals(200, answer.statusCode(), answer.body());
            String runId = TestServer.json(answer).get("run_id").asText();

            JsonNode line = awaitRunLine(server, runId);
            Instant.parse(line.get("time").asText());
            assertEquals("anonymous", line.get("subject").asText());
            assertEquals("completed", line.get("status").asText());
            assertEquals("chat", line.get("workflow").asText());
            assertEquals("[\"script\"]", line.get("providers").toString());
            assertEquals(7, line.get("input_tokens").asLong());
            assertEquals(3, line.get("output_tokens").asLong());
            assertFalse(line.get("estimated").asBoolean());
            assertTrue(line.get("ttft_ms").isIntegralNumber() && line.get("ttft_ms").asLong() >= 0, line.toString());
            assertTrue(line.get("duration_ms").asLong() >= line.get("ttft_ms").asLong(), line.toString());
        }
    }

    @Test
    void aRunThatFailedBeforeAnyTextHasItsStatusAndNoTimeToFirstToken() {
        try (var server = TestServer.start(Map.of(), ScriptedProvider.of("broken", List.of("x")).failingAfter(0))) {
            var answer = server.post("/v1/runs", "{\"input\":\"hi\",\"provider\":\"broken\",\"stream\":false}");
            String runId = TestServer.json(answer).get("run_id").asText();
            JsonNode line = awaitRunLine(server, runId);
            assertEquals("failed", line.get("status").asText());
            assertEquals("[\"broken\"]", line.get("providers").toString());
            assertTrue(line.get("ttft_ms").isNull(), line.toString());
        }
    }

    @Test
    void withLogRunsOnlyRunLinesAreWritten() {
        var server = TestServer.start(Map.of("WEFT_LOG", "runs"));
        String runId;
        try {
            runId = TestServer.json(server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false}")).get("run_id").asText();
            assertEquals(200, server.get("/healthz").statusCode());
            awaitRunLine(server, runId);
        } finally {
            server.close(); // waits for every handler, and so for any line one would write
        }
        List<String> lines = server.logLines();
        assertEquals(1, lines.size(), lines.toString());
        assertEquals(runId, parse(lines.getFirst()).get("run_id").asText());
    }

    @Test
    void withLogOffNothingIsWritten() {
        var server = TestServer.start(Map.of("WEFT_LOG", "off"));
        try {
            var answer = server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false}");
            assertEquals("completed", TestServer.json(answer).get("status").asText());
            assertEquals(200, server.get("/healthz").statusCode());
        } finally {
            server.close(); // waits for the run to finish and every handler to return
        }
        assertEquals(List.of(), server.logLines());
    }
}
