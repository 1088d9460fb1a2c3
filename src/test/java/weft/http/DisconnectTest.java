package weft.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.store.RunRecord;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a run does when its clients go away: the on_disconnect policies and heartbeats. */
class DisconnectTest {
    private static final List<String> PIECES = IntStream.range(0, 150).mapToObj(i -> " p" + i).toList();
    private static final ScriptedProvider PACED = ScriptedProvider.of("paced", PIECES).pausing(Duration.ofMillis(10));
    private static final ScriptedProvider LATE = ScriptedProvider.of("late", List.of("at", " last"))
            .pausing(Duration.ofMillis(600));
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WEFT_DISCONNECT_GRACE", "400ms", "WEFT_HEARTBEAT", "100ms"), PACED, LATE);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The run's record once it has ended; read from the store, since following it would count as a follower. */
    private static RunRecord endOf(String runId) {
        return server.awaitEnd(runId);
    }

    /** Starts a streamed run, reads its first delta, and hangs up. */
    private static String startAndHangUp(String policy) {
        try (SseStream stream = server.streamRun("{\"input\":\"go\",\"provider\":\"paced\"" + policy + "}")) {
            String runId = stream.nextEvent().text("run_id");
            while (!stream.nextEvent().type().equals("delta")) { }
            return runId;
        }
    }

    @Test
    void continuePolicyRunsToTheEndWithNobodyListening() throws Exception {
        String runId = startAndHangUp(",\"on_disconnect\":\"continue\"");
        var end = endOf(runId);
        assertEquals("completed", end.status().wire());
        assertEquals(String.join("", PIECES), end.output());
    }

    @Test
    void cancelPolicyCancelsWhenTheLastClientLeaves() throws Exception {
        String runId = startAndHangUp(",\"on_disconnect\":\"cancel\"");
        var end = endOf(runId);
        assertEquals("cancelled", end.status().wire());
        assertTrue(end.output().length() < String.join("", PIECES).length());
    }

    @Test
    void gracePolicyCancelsOnlyAfterNobodyCameBackWithinTheGrace() throws Exception {
        String runId = startAndHangUp("");
        long left = System.nanoTime();
        var end = endOf(runId);
        long afterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - left);
        assertEquals("cancelled", end.status().wire());
        assertTrue(afterMs >= 400, "cancelled " + afterMs + " ms after the client left, before the 400 ms grace");
    }

    @Test
    void aClientThatComesBackWithinTheGraceKeepsTheRunAlive() throws Exception {
        String runId;
        long last;
        try (SseStream stream = server.streamRun("{\"input\":\"go\",\"provider\":\"paced\"}")) {
            var event = stream.nextEvent();
            runId = event.text("run_id");
            while (!event.type().equals("delta")) event = stream.nextEvent();
            last = event.id();
        }
        try (SseStream stream = server.follow(runId, "Last-Event-ID", Long.toString(last))) {
            var rest = stream.readToDone();
            assertEquals(last + 1, rest.getFirst().id());
            assertEquals("completed", rest.getLast().text("status"));
        }
        assertEquals("completed", endOf(runId).status().wire());
    }

    @Test
    void backgroundRunsContinueByDefault() throws Exception {
        String runId = server.startBackground("\"input\":\"go\",\"provider\":\"paced\"");
        assertEquals("completed", endOf(runId).status().wire());
    }

    @Test
    void anIdleStreamGetsHeartbeatComments() {
        try (SseStream stream = server.streamRun("{\"input\":\"go\",\"provider\":\"late\"}")) {
            assertInstanceOf(SseStream.Retry.class, stream.next());
            assertEquals("run_started", stream.nextEvent().type());
            assertEquals("agent_started", stream.nextEvent().type());
            assertEquals(new SseStream.Comment("ping"), stream.next(), "a ping while the model thinks");
            stream.readToDone();
        }
    }
}
