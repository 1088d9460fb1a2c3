package weft.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import weft.testing.Await;
import weft.testing.SseStream;
import weft.testing.SseStream.Event;
import weft.testing.WeftProcess;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.cluster.Cluster.background;
import static weft.cluster.Cluster.follow;
import static weft.cluster.Cluster.get;
import static weft.cluster.Cluster.json;
import static weft.cluster.Cluster.post;

/** What survives an instance that dies and a Redis that goes away. */
class FaultsTest {

    /** Reads until done; every event is kept, including stream errors (which have no id). */
    private static List<Event> readToDone(SseStream s) {
        var events = new ArrayList<Event>();
        while (true) {
            SseStream.Item item = s.next();
            if (item instanceof SseStream.End) {
                throw new AssertionError("the stream ended before done; it had: "
                        + events.stream().map(e -> e.sse().data()).toList());
            }
            if (item instanceof Event e) {
                events.add(e);
                if (e.type().equals("done")) return events;
            }
        }
    }

    @Test
    void aKilledInstancesRunEndsFailedWithInstanceLostAndEveryFollowerGetsDone() throws Exception {
        // A heartbeat of ten minutes: the followers get the taker's error and done through the
        // feed they were reading (the lost instance's), not from a once-per-heartbeat read of
        // the run's stream; were they not, each read here would time out after 20 s.
        try (var cluster = Cluster.start(2, Map.of("WEFT_HEARTBEAT", "10m"))) {
            WeftProcess doomed = cluster.add(Map.of("WEFT_DEMO_TOKENS_PER_SECOND", "40"));
            WeftProcess a = cluster.get(0), b = cluster.get(1);
            String runId = background(doomed, "\"input\":\"a long answer\",\"max_tokens\":2000");
            String session = json(get(a, "/v1/runs/" + runId)).get("session_id").asText();
            try (SseStream onA = follow(a, runId, 0); SseStream onB = follow(b, runId, 0)) {
                var streamed = new StringBuilder();
                var seen = new ArrayList<Event>();
                while (seen.size() < 10) {
                    Event e = onA.nextEvent();
                    seen.add(e);
                    if (e.type().equals("delta")) streamed.append(e.text("text"));
                }
                doomed.kill();
                List<Event> rest = readToDone(onA);
                for (Event e : rest) if (e.type().equals("delta")) streamed.append(e.text("text"));
                Event done = rest.getLast();
                assertEquals("failed", done.text("status"));
                Event lost = rest.get(rest.size() - 2);
                assertEquals("error", lost.type());
                assertEquals("instance_lost", lost.text("code"));
                assertEquals(streamed.toString(), done.text("output"), "the output is what was streamed");

                List<Event> onBEvents = readToDone(onB);
                seen.addAll(rest);
                assertEquals(seen.stream().map(e -> e.sse().data()).toList(),
                        onBEvents.stream().map(e -> e.sse().data()).toList(), "B's follower saw the same, ending in done");

                JsonNode record = json(get(b, "/v1/runs/" + runId));
                assertEquals("failed", record.get("status").asText());
                JsonNode messages = json(get(a, "/v1/sessions/" + session)).get("messages");
                assertEquals("failed", messages.get(1).get("status").asText());
                assertEquals(streamed.toString(), messages.get(1).get("content").asText());
                var next = post(b, "/v1/runs", "{\"input\":\"go on\",\"stream\":false,\"max_tokens\":4,\"session_id\":\"" + session + "\"}");
                assertEquals(200, next.statusCode(), "the session is free again: " + next.body());
            }
        }
    }

    @Test
    void anInstanceThatWakesAfterItsRunWasTakenOverCannotAddToIt() throws Exception {
        try (var cluster = Cluster.start(1, Map.of())) {
            WeftProcess stalled = cluster.add(Map.of("WEFT_DEMO_TOKENS_PER_SECOND", "40"));
            WeftProcess a = cluster.get(0);
            String runId = background(stalled, "\"input\":\"a long answer\",\"max_tokens\":2000");
            var seen = new ArrayList<Event>();
            try (SseStream s = follow(a, runId, 0)) {
                while (seen.stream().filter(e -> e.type().equals("delta")).count() < 5) seen.add(s.nextEvent());
                stalled.freeze();
                seen.addAll(readToDone(s));
            }
            assertEquals("instance_lost", seen.get(seen.size() - 2).text("code"), "taken over while it stood still");

            stalled.thaw(); // its run goes on, its writer sends what the run produced meanwhile
            Await.until("the thawed instance's writer is refused", Duration.ofSeconds(20), () -> {
                try {
                    return java.nio.file.Files.readString(stalled.log()).contains("run " + runId + ": Redis refused event");
                } catch (java.io.IOException notYet) {
                    return false;
                }
            });
            List<Event> whole;
            try (SseStream s = follow(a, runId, 0)) {
                whole = readToDone(s);
                assertTrue(s.next() instanceof SseStream.End, "nothing after done");
            }
            assertEquals(seen.stream().map(e -> e.sse().data()).toList(), whole.stream().map(e -> e.sse().data()).toList(),
                    "the log is what its follower saw, ending in the taker's done: nothing of the thawed instance's was added");
            assertEquals("failed", whole.getLast().text("status"));
            assertEquals(whole.getLast().text("output"), json(get(a, "/v1/runs/" + runId)).get("output").asText());
            assertEquals("failed", json(get(stalled, "/v1/runs/" + runId)).get("status").asText(), "the thawed instance agrees");
        }
    }

    @Test
    void whileRedisIsAwayStreamsEndWithAnErrorAndNewRunsGet503ThenWeftServesAgainWithoutARestart() throws Exception {
        try (var cluster = Cluster.start(2, Map.of("WEFT_DEMO_TOKENS_PER_SECOND", "40"))) {
            WeftProcess a = cluster.get(0), b = cluster.get(1);
            String runId = background(a, "\"input\":\"a long answer\",\"max_tokens\":2000");
            try (SseStream local = follow(a, runId, 0); SseStream remote = follow(b, runId, 0)) {
                while (!local.nextEvent().type().equals("delta")) { }
                while (!remote.nextEvent().type().equals("delta")) { }
                cluster.redis.kill();
                for (SseStream s : List.of(local, remote)) {
                    Event e;
                    do {
                        e = s.nextEvent();
                    } while (!e.type().equals("error"));
                    assertEquals("store_unavailable", e.text("code"), e.sse().data());
                    while (!(s.next() instanceof SseStream.End)) { } // and the stream closes
                }
            }
            for (WeftProcess at : List.of(a, b)) {
                var health = get(at, "/healthz");
                assertEquals(503, health.statusCode());
                assertTrue(json(health).get("problem").asText().contains("Redis"), health.body());
                var refused = post(at, "/v1/runs", "{\"input\":\"hello\"}");
                assertEquals(503, refused.statusCode(), refused.body());
                assertEquals("overloaded", json(refused).get("error").get("code").asText());
                assertTrue(refused.headers().firstValue("Retry-After").isPresent());
            }

            cluster.redis.restart();
            for (WeftProcess at : List.of(a, b)) {
                Await.until("instance serves again", Duration.ofSeconds(20), () -> get(at, "/healthz").statusCode() == 200);
            }
            String again = background(a, "\"input\":\"after the restart\",\"max_tokens\":6");
            try (SseStream s = follow(b, again, 0)) {
                assertEquals(200, s.status());
                var events = readToDone(s);
                assertEquals("completed", events.getLast().text("status"));
                assertFalse(events.stream().anyMatch(e -> e.type().equals("error")));
            }
        }
    }
}
