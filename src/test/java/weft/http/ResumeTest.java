package weft.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.RunEvents;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** A client that drops the connection and comes back misses nothing and sees nothing twice. */
class ResumeTest {
    private static final List<String> PIECES = IntStream.range(0, 30).mapToObj(i -> " t" + i + (i % 7 == 0 ? "\n" : "")).toList();
    private static final ScriptedProvider PACED = ScriptedProvider.of("paced", PIECES).pausing(Duration.ofMillis(3));
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(PACED);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Reads one event per connection, reconnecting after each, until done: a disconnect at every point of a live run. */
    private static List<SseStream.Event> oneEventPerConnection(String runId, BiFunction<String, Long, SseStream> reconnect) {
        var seen = new ArrayList<SseStream.Event>();
        long last = 0;
        while (seen.isEmpty() || !seen.getLast().type().equals("done")) {
            try (SseStream stream = reconnect.apply(runId, last)) {
                var event = stream.nextEvent();
                seen.add(event);
                last = event.id();
            }
        }
        return seen;
    }

    private static void assertExactlyOnce(List<SseStream.Event> events) {
        for (int i = 0; i < events.size(); i++) assertEquals(i + 1, events.get(i).id(), "event ids must run 1, 2, 3 … without gaps or repeats");
        String deltas = RunEvents.deltas(events);
        assertEquals(String.join("", PIECES), deltas);
        assertEquals(deltas, events.getLast().text("output"));
        assertEquals("completed", events.getLast().text("status"));
    }

    @Test
    void resumingWithLastEventIdAtEveryPointGivesEveryEventExactlyOnce() {
        String runId = server.startBackground("\"input\":\"go\",\"provider\":\"paced\"");
        assertExactlyOnce(oneEventPerConnection(runId, (id, last) -> last == 0 ? server.follow(id)
                : server.follow(id, "Last-Event-ID", Long.toString(last))));
    }

    @Test
    void resumingWithAfterQueryAtEveryPointGivesEveryEventExactlyOnce() {
        String runId = server.startBackground("\"input\":\"go\",\"provider\":\"paced\"");
        assertExactlyOnce(oneEventPerConnection(runId, (id, last) -> server.stream(
                java.net.http.HttpRequest.newBuilder(server.uri("/v1/runs/" + id + "/events?after=" + last)))));
    }

    @Test
    void theStreamThatStartedTheRunCanBeResumed() {
        var seen = new ArrayList<SseStream.Event>();
        String runId;
        try (SseStream stream = server.streamRun("{\"input\":\"go\",\"provider\":\"paced\"}")) {
            for (int i = 0; i < 4; i++) seen.add(stream.nextEvent());
            runId = seen.getFirst().text("run_id");
        }
        try (SseStream stream = server.follow(runId, "Last-Event-ID", "4")) {
            seen.addAll(stream.readToDone());
        }
        assertExactlyOnce(seen);
    }

    /** The SSE spec: a 204 tells EventSource to stop reconnecting, which a client that saw done wants. */
    @Test
    void resumingAtOrPastDoneAnswers204NoContent() {
        String runId = server.startBackground("\"input\":\"go\",\"provider\":\"paced\"");
        long last;
        try (SseStream stream = server.follow(runId)) {
            last = stream.readToDone().getLast().id();
        }
        for (String[] position : List.of(new String[] {"Last-Event-ID", Long.toString(last)},
                new String[] {"Last-Event-ID", Long.toString(last + 5)})) {
            try (SseStream stream = server.follow(runId, position)) {
                assertEquals(204, stream.status(), String.join(": ", position));
                assertInstanceOf(SseStream.End.class, stream.next());
            }
        }
        var query = server.get("/v1/runs/" + runId + "/events?after=" + last);
        assertEquals(204, query.statusCode());
        assertEquals("", query.body());
        try (SseStream before = server.follow(runId, "Last-Event-ID", Long.toString(last - 1))) {
            assertEquals(200, before.status());
            assertEquals("done", before.nextEvent().type());
        }
    }

    @Test
    void twoClientsFollowingOneRunSeeTheSameEvents() throws Exception {
        String runId = server.startBackground("\"input\":\"go\",\"provider\":\"paced\"");
        try (SseStream a = server.follow(runId); SseStream b = server.follow(runId)) {
            var fromA = a.readToDone();
            var fromB = b.readToDone();
            assertEquals(fromA.stream().map(e -> e.sse()).toList(), fromB.stream().map(e -> e.sse()).toList());
            assertExactlyOnce(fromA);
        }
    }
}
