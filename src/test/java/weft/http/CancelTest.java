package weft.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.testing.RunEvents.deltas;

/** Cancelling a run through its scope: fast, exact about what was streamed, and safe against races. */
class CancelTest {
    private static final List<String> MANY = IntStream.range(0, 500).mapToObj(i -> " w" + i).toList();
    private static final ScriptedProvider SLOW = ScriptedProvider.of("slow", MANY).pausing(Duration.ofMillis(10));
    private static final ScriptedProvider FAST = ScriptedProvider.of("fast", List.of("a", "b", "c"));
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WEFT_DEMO_TTFT", "300ms", "WEFT_DEMO_TOKENS_PER_SECOND", "60"), SLOW, FAST);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void cancelMidStreamEndsWithin200msAndHistoryKeepsExactlyTheStreamedText() {
        try (SseStream stream = server.streamRun("{\"input\":\"go\",\"provider\":\"slow\"}")) {
            var events = new ArrayList<SseStream.Event>();
            while (events.stream().filter(e -> e.type().equals("delta")).count() < 5) events.add(stream.nextEvent());
            String runId = events.getFirst().text("run_id");

            long start = System.nanoTime();
            var answer = server.post("/v1/runs/" + runId + "/cancel", "");
            events.addAll(stream.readToDone());
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertEquals(202, answer.statusCode());
            assertEquals("cancelling", TestServer.json(answer).get("status").asText());
            assertEquals(runId, TestServer.json(answer).get("run_id").asText());
            assertTrue(elapsedMs < 200, "done arrived " + elapsedMs + " ms after the cancel request");

            String streamed = deltas(events);
            var completed = events.get(events.size() - 2);
            var done = events.getLast();
            assertEquals("agent_completed", completed.type());
            assertEquals(streamed, completed.text("text"));
            assertTrue(completed.data().get("usage").get("estimated").asBoolean());
            assertEquals("cancelled", done.text("status"));
            assertEquals(streamed, done.text("output"));
            assertTrue(streamed.length() < String.join("", MANY).length());

            var session = TestServer.json(server.get("/v1/sessions/" + events.getFirst().text("session_id")));
            var answerMessage = session.get("messages").get(1);
            assertEquals(streamed, answerMessage.get("content").asText());
            assertEquals("interrupted", answerMessage.get("status").asText());
            assertEquals("cancelled", TestServer.json(server.get("/v1/runs/" + runId)).get("status").asText());
        }
    }

    @Test
    void cancelStopsTheDemoModelAtOnce() {
        try (SseStream stream = server.streamRun("{\"input\":\"Explain streaming\"}")) {
            var first = stream.nextEvent();
            while (!stream.nextEvent().type().equals("delta")) { }
            long start = System.nanoTime();
            assertEquals(202, server.post("/v1/runs/" + first.text("run_id") + "/cancel", "").statusCode());
            var rest = stream.readToDone();
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("cancelled", rest.getLast().text("status"));
            assertTrue(elapsedMs < 200, "done arrived " + elapsedMs + " ms after the cancel request");
        }
    }

    @Test
    void cancelBeforeTheFirstTokenLeavesAnEmptyInterruptedAnswer() {
        String runId = server.startBackground("\"input\":\"Explain streaming\"");
        assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
        try (SseStream stream = server.follow(runId)) {
            var events = stream.readToDone();
            assertEquals("cancelled", events.getLast().text("status"));
            assertEquals("", events.getLast().text("output"));
            assertEquals("", deltas(events));
        }
    }

    @Test
    void cancelOfAnEndedRunIsAConflictThatNamesItsStatus() {
        String runId = server.startBackground("\"input\":\"hi\",\"provider\":\"fast\"");
        try (SseStream stream = server.follow(runId)) {
            stream.readToDone();
        }
        var answer = server.post("/v1/runs/" + runId + "/cancel", "");
        assertEquals(409, answer.statusCode());
        assertEquals("conflict", TestServer.json(answer).get("error").get("code").asText());
        assertEquals("completed", TestServer.json(answer).get("error").get("status").asText());
    }

    @Test
    void cancelRacingTheRunsOwnEndIsAnsweredConsistently() {
        for (int i = 0; i < 40; i++) {
            String runId = server.startBackground("\"input\":\"hi\",\"provider\":\"fast\"");
            var answer = server.post("/v1/runs/" + runId + "/cancel", "");
            String finalStatus;
            try (SseStream stream = server.follow(runId)) {
                finalStatus = stream.readToDone().getLast().text("status");
            }
            if (answer.statusCode() == 202) {
                assertEquals("cancelled", finalStatus, "a cancel that was accepted must win");
            } else {
                assertEquals(409, answer.statusCode());
                assertEquals(finalStatus, TestServer.json(answer).get("error").get("status").asText());
            }
            var messages = TestServer.json(server.get("/v1/runs/" + runId));
            assertEquals(finalStatus, messages.get("status").asText());
        }
    }

    @Test
    void secondCancelIsHarmless() {
        String runId = server.startBackground("\"input\":\"go\",\"provider\":\"slow\"");
        assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
        int second = server.post("/v1/runs/" + runId + "/cancel", "").statusCode();
        assertTrue(second == 202 || second == 409, "second cancel answered " + second);
        try (SseStream stream = server.follow(runId)) {
            assertEquals("cancelled", stream.readToDone().getLast().text("status"));
        }
    }
}
