package weft.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.RunEvents;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A streamed chat run over real HTTP: headers, event order, ids, framing, history. */
class StreamingRunTest {
    private static final List<String> AWKWARD = List.of("Hello", ", \"quoted\"", "\nnew line", "\r\ncarriage",
            "\rreturn", " emoji 🎉", " één ruïne café", " data: fake\n\nid: 99\n", " end");
    private static final ScriptedProvider SCRIPT = ScriptedProvider.of("script", AWKWARD);
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WEFT_SSE_RETRY", "1500ms"), SCRIPT);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void streamedRunHasContractHeadersAndStartsWithRetry() {
        try (SseStream stream = server.streamRun("{\"input\":\"hi\",\"provider\":\"script\"}")) {
            var headers = stream.response().headers();
            assertEquals(200, stream.status());
            assertEquals("text/event-stream; charset=utf-8", headers.firstValue("Content-Type").orElseThrow());
            assertEquals("no-cache", headers.firstValue("Cache-Control").orElseThrow());
            assertEquals("no", headers.firstValue("X-Accel-Buffering").orElseThrow());
            String runId = headers.firstValue("X-Run-Id").orElseThrow();
            assertEquals("/v1/runs/" + runId, headers.firstValue("Location").orElseThrow());
            assertEquals(new SseStream.Retry(1500), stream.next());
            stream.readToDone();
        }
    }

    @Test
    void eventsAreNumberedWithoutGapsAndRepeatTheirIdAndType() {
        try (SseStream stream = server.streamRun("{\"input\":\"hi\",\"provider\":\"script\"}")) {
            String runId = stream.response().headers().firstValue("X-Run-Id").orElseThrow();
            var events = stream.readToDone();
            for (int i = 0; i < events.size(); i++) {
                var e = events.get(i);
                assertEquals(i + 1, e.id());
                assertEquals(i + 1, e.data().get("seq").asLong());
                assertEquals(e.type(), e.data().get("type").asText());
                assertEquals(runId, e.data().get("run_id").asText());
                assertTrue(e.data().get("ts").asLong() > 1_700_000_000_000L);
            }
            assertEquals(List.of("run_started", "agent_started"), events.subList(0, 2).stream().map(SseStream.Event::type).toList());
            assertEquals("agent_completed", events.get(events.size() - 2).type());
            assertEquals("done", events.getLast().type());
        }
    }

    @Test
    void awkwardContentSurvivesFramingExactly() {
        try (SseStream stream = server.streamRun("{\"input\":\"hi\",\"provider\":\"script\"}")) {
            var events = stream.readToDone();
            String joined = RunEvents.deltas(events);
            String expected = String.join("", AWKWARD);
            assertEquals(expected, joined);
            assertEquals(expected, events.get(events.size() - 2).text("text"));
            var done = events.getLast().data();
            assertEquals("completed", done.get("status").asText());
            assertEquals(expected, done.get("output").asText());
            assertEquals(AWKWARD.size(), done.get("usage").get("output_tokens").asInt());
            assertFalse(done.get("usage").has("estimated"));
        }
    }

    @Test
    void completedRunIsRecordedInItsSessionAndReadable() {
        try (SseStream stream = server.streamRun("{\"input\":\"hi there\",\"provider\":\"script\"}")) {
            var events = stream.readToDone();
            String runId = events.getFirst().text("run_id");
            String sessionId = events.getFirst().text("session_id");
            var run = TestServer.json(server.get("/v1/runs/" + runId));
            assertEquals("completed", run.get("status").asText());
            assertEquals("chat", run.get("workflow").asText());
            assertEquals(sessionId, run.get("session_id").asText());
            assertTrue(run.get("ended_at").asLong() >= run.get("created_at").asLong());
            var session = TestServer.json(server.get("/v1/sessions/" + sessionId));
            var messages = session.get("messages");
            assertEquals(2, messages.size());
            assertEquals("user", messages.get(0).get("role").asText());
            assertEquals("hi there", messages.get(0).get("content").asText());
            assertEquals("assistant", messages.get(1).get("role").asText());
            assertEquals(String.join("", AWKWARD), messages.get(1).get("content").asText());
            assertEquals("completed", messages.get(1).get("status").asText());
            assertEquals(runId, messages.get(1).get("run_id").asText());
        }
    }

    @Test
    void curlsFormContentTypeIsAcceptedWhenTheBodyIsJson() {
        var response = server.send(java.net.http.HttpRequest.newBuilder(server.uri("/v1/runs"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"input\":\"hi\",\"provider\":\"script\",\"stream\":false}")));
        assertEquals(200, response.statusCode());
        assertEquals("completed", TestServer.json(response).get("status").asText());
    }
}
