package weft.runs;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import weft.testing.Await;
import weft.testing.BrokenStores;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finishing cannot fail silently: whichever store operation throws while a run finishes, the
 * run reaches its final status, its followers are told (done, or an error that ends the
 * stream), its session is released and the counters come back.
 */
class FinishingTest {
    /** A run that times out, so that finishing writes an error, an agent_completed for the cut-short agent, and the rest. */
    private static final ScriptedProvider SLOW = ScriptedProvider.of("slow", Collections.nCopies(200, "word "))
            .pausing(Duration.ofMillis(20));
    private static final Map<String, String> SETTINGS = Map.of("WEFT_RUN_TIMEOUT", "300ms", "WEFT_RUN_LEASE", "300ms",
            "WEFT_HEARTBEAT", "100ms");

    @ParameterizedTest(name = "{0} throws")
    @ValueSource(strings = {"append:error", "append:agent_completed", "sessions.append", "runs.end", "append:done",
            "sync", "locks.release"})
    void aRunStillEndsWhenAStoreThrowsWhileItFinishes(String operation) {
        var broken = new BrokenStores();
        try (TestServer server = TestServer.start(SETTINGS, broken::wrap, SLOW)) {
            // The record and the lock must heal for the ending to be written at all; the rest stay broken.
            if (operation.equals("runs.end") || operation.equals("locks.release")) broken.failOnce(operation);
            else broken.fail(operation);

            var events = new ArrayList<SseStream.Event>();
            try (SseStream stream = server.streamRun("{\"input\":\"go\",\"provider\":\"slow\"}")) {
                while (true) {
                    SseStream.Item item = stream.next();
                    if (item instanceof SseStream.End) break;
                    if (item instanceof SseStream.Event e) events.add(e);
                }
            }
            String runId = events.getFirst().text("run_id");
            var last = events.getLast();
            if (operation.equals("append:done")) {
                assertEquals("error", last.type(), "with no done in the log the stream ends with an error");
                assertEquals("store_unavailable", last.text("code"));
            } else {
                assertEquals("done", last.type());
                assertEquals("timed_out", last.text("status"));
            }

            Await.until("the run's record has its final status", Duration.ofSeconds(10),
                    () -> TestServer.json(server.get("/v1/runs/" + runId)).get("status").asText().equals("timed_out"));
            Await.until("no run is active", Duration.ofSeconds(10), () -> server.metric("weft_active_runs") == 0);
            String session = events.getFirst().text("session_id");
            broken.heal();
            Await.until("the session is released", Duration.ofSeconds(10), () -> server.post("/v1/runs",
                    "{\"input\":\"again\",\"stream\":false,\"session_id\":\"" + session + "\"}").statusCode() == 200);
        }
    }

    @Test
    void aStoreThatDoesNotAnswerIs503OverloadedWithRetryAfterNever500() {
        var broken = new BrokenStores();
        try (TestServer server = TestServer.start(Map.of(), broken::wrap)) {
            String runId = TestServer.json(server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false}")).get("run_id").asText();
            for (String operation : List.of("runs.create", "sessions.create", "runs.find", "sessions.find")) {
                broken.fail(operation);
                int refused = 0;
                for (var answer : List.of(server.post("/v1/runs", "{\"input\":\"hi\"}"), server.get("/v1/runs/" + runId),
                        server.get("/v1/runs/" + runId + "/events"), server.get("/v1/sessions/s_x"))) {
                    if (answer.statusCode() / 100 == 2 || answer.statusCode() == 404) continue; // not touched by this operation
                    assertEquals(503, answer.statusCode(), operation + ": " + answer.body());
                    assertEquals("overloaded", TestServer.json(answer).get("error").get("code").asText());
                    assertTrue(answer.headers().firstValue("Retry-After").isPresent(), operation);
                    refused++;
                }
                assertTrue(refused > 0, "some request needs " + operation);
                broken.heal();
            }
            assertEquals(0, server.metric("weft_active_runs"));
        }
    }
}
