package weft.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * POST-streaming clients (fetch-event-source) retry a dropped stream by sending the same POST
 * with Last-Event-ID. With an Idempotency-Key that retry gets the same run, not a second one.
 */
class IdempotencyTest {
    private static final ScriptedProvider PACED = ScriptedProvider.of("paced", Collections.nCopies(40, "tok "))
            .pausing(Duration.ofMillis(5));
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(PACED);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static SseStream post(String key, String body, String lastEventId) {
        var request = HttpRequest.newBuilder(server.uri("/v1/runs")).header("Content-Type", "application/json")
                .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(body));
        if (lastEventId != null) request.header("Last-Event-ID", lastEventId);
        return server.stream(request);
    }

    @Test
    void aRetriedPostWithTheSameKeyResumesTheSameRunAfterItsLastEventId() {
        String body = "{\"input\":\"once only\",\"provider\":\"paced\"}";
        double before = server.metric("weft_runs_started_total");
        var seen = new ArrayList<SseStream.Event>();
        String runId;
        try (SseStream first = post("key-1", body, null)) {
            runId = first.response().headers().firstValue("X-Run-Id").orElseThrow();
            while (seen.size() < 7) seen.add(first.nextEvent());
        } // the connection drops
        for (int retry = 0; retry < 3; retry++) {
            try (SseStream again = post("key-1", body, Long.toString(seen.getLast().id()))) {
                assertEquals(runId, again.response().headers().firstValue("X-Run-Id").orElseThrow(), "the same run");
                seen.add(again.nextEvent());
            }
        }
        try (SseStream last = post("key-1", body, Long.toString(seen.getLast().id()))) {
            seen.addAll(last.readToDone());
        }
        for (int i = 0; i < seen.size(); i++) assertEquals(i + 1, seen.get(i).id(), "nothing lost or repeated");
        assertEquals(1, server.metric("weft_runs_started_total") - before, "one run for five POSTs");
    }

    @Test
    void theSameKeyWithAnotherBodyIsAConflict() {
        try (SseStream first = post("key-2", "{\"input\":\"one\",\"provider\":\"paced\"}", null)) {
            first.readToDone();
        }
        try (SseStream other = post("key-2", "{\"input\":\"two\",\"provider\":\"paced\"}", null)) {
            assertEquals(409, other.status());
        }
        var answer = server.send(HttpRequest.newBuilder(server.uri("/v1/runs")).header("Idempotency-Key", "key-2")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"two\",\"provider\":\"paced\"}")));
        assertEquals("conflict", TestServer.json(answer).get("error").get("code").asText());
        assertTrue(TestServer.json(answer).get("error").get("message").asText().contains("another body"));
    }

    @Test
    void aRetryAfterTheRunEndedAndTheClientSawDoneIs204() {
        String body = "{\"input\":\"short\",\"provider\":\"paced\"}";
        List<SseStream.Event> all;
        try (SseStream first = post("key-3", body, null)) {
            all = first.readToDone();
        }
        try (SseStream again = post("key-3", body, Long.toString(all.getLast().id()))) {
            assertEquals(204, again.status());
        }
        try (SseStream replay = post("key-3", body, null)) {
            assertEquals(all.stream().map(e -> e.sse().data()).toList(),
                    replay.readToDone().stream().map(e -> e.sse().data()).toList(), "without Last-Event-ID: the whole run again");
        }
    }

    @Test
    void keysAreKeptApartFromEachOtherAndABadKeyIsRefused() {
        String body = "{\"input\":\"x\",\"provider\":\"paced\",\"background\":true}";
        var a = server.send(HttpRequest.newBuilder(server.uri("/v1/runs")).header("Idempotency-Key", "key-4a")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        var b = server.send(HttpRequest.newBuilder(server.uri("/v1/runs")).header("Idempotency-Key", "key-4b")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        var a2 = server.send(HttpRequest.newBuilder(server.uri("/v1/runs")).header("Idempotency-Key", "key-4a")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertNotEquals(TestServer.json(a).get("run_id"), TestServer.json(b).get("run_id"));
        assertEquals(TestServer.json(a).get("run_id"), TestServer.json(a2).get("run_id"));
        var bad = server.send(HttpRequest.newBuilder(server.uri("/v1/runs")).header("Idempotency-Key", "has space")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("Idempotency-Key"));
    }
}
