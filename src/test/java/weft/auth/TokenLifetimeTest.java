package weft.auth;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.Await;
import weft.testing.Caller;
import weft.testing.RunEvents;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.TestServer;
import weft.testing.Tokens;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream is authorised when it opens: a token that expires while it runs does not cut it,
 * and a client that comes back resumes with a fresh token (or ticket) and Last-Event-ID and
 * loses nothing.
 */
class TokenLifetimeTest {
    private static final List<String> PIECES = IntStream.range(0, 30).mapToObj(i -> " t" + i).toList();
    private static final ScriptedProvider PACED = ScriptedProvider.of("paced", PIECES).pausing(Duration.ofMillis(3));
    /** About 2.5 s from first to last piece: long enough to outlive a token that expires a second in. */
    private static final ScriptedProvider SLOW = ScriptedProvider.of("slow", PIECES).pausing(Duration.ofMillis(85));
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Tokens.env(), PACED, SLOW);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void assertEveryEventExactlyOnce(List<SseStream.Event> events) {
        for (int i = 0; i < events.size(); i++) assertEquals(i + 1, events.get(i).id(), "ids 1, 2, 3 … without gaps or repeats");
        assertEquals(String.join("", PIECES), RunEvents.deltas(events));
        assertEquals("completed", events.getLast().text("status"));
    }

    @Test
    void aClientResumesWithAFreshTokenAndLastEventIdAndLosesNothing() {
        var seen = new ArrayList<SseStream.Event>();
        String runId;
        try (SseStream first = Caller.as(server, "alice").streamRun("{\"input\":\"go\",\"provider\":\"paced\"}")) {
            for (int i = 0; i < 5; i++) seen.add(first.nextEvent());
            runId = seen.getFirst().text("run_id");
        } // the connection drops; the first token is never used again
        var fresh = new Caller(server, Tokens.sign(Tokens.claims("alice").withExpiresAt(Instant.now().plusSeconds(300))));
        try (SseStream resumed = fresh.follow(runId, "Last-Event-ID", Long.toString(seen.getLast().id()))) {
            seen.addAll(resumed.readToDone());
        }
        assertEveryEventExactlyOnce(seen);
    }

    @Test
    void aBrowserResumesWithAFreshTicketAndLastEventIdAndLosesNothing() {
        var alice = Caller.as(server, "alice");
        String runId = alice.startBackground("\"input\":\"go\",\"provider\":\"paced\"");
        var seen = new ArrayList<SseStream.Event>();
        while (seen.isEmpty() || !seen.getLast().type().equals("done")) {
            // As EventSource reconnects: a new URL (fresh ticket), the last id it saw in the header.
            var request = HttpRequest.newBuilder(server.uri("/v1/runs/" + runId + "/events?ticket=" + alice.ticket(runId)));
            if (!seen.isEmpty()) request.header("Last-Event-ID", Long.toString(seen.getLast().id()));
            try (SseStream stream = server.stream(request)) {
                for (int i = 0; i < 4; i++) {
                    var event = stream.nextEvent();
                    seen.add(event);
                    if (event.type().equals("done")) break;
                }
            }
        }
        assertEveryEventExactlyOnce(seen);
    }

    @Test
    void aTokenThatExpiresDuringAStreamDoesNotCutIt() {
        Instant exp = Instant.now().plusSeconds(1);
        var shortLived = new Caller(server, Tokens.sign(Tokens.claims("alice").withExpiresAt(exp)));
        String runId = shortLived.startBackground("\"input\":\"go\",\"provider\":\"slow\"");
        try (SseStream stream = shortLived.follow(runId)) {
            var events = new ArrayList<SseStream.Event>();
            events.add(stream.nextEvent());
            Await.until("the token has expired", Duration.ofSeconds(5), () -> Instant.now().isAfter(exp.plusMillis(200)));
            events.addAll(stream.readToDone());
            assertTrue(server.weft().stores().runs().find(runId).orElseThrow().endedAt() > exp.toEpochMilli(),
                    "the run outlived the token");
            assertEveryEventExactlyOnce(events);
        }
    }

    @Test
    void aNewRequestIsJudgedByTheLeewayAtItsOwnTime() {
        var alice = Caller.as(server, "alice");
        String runId = alice.startBackground("\"input\":\"go\",\"provider\":\"paced\"");
        Instant now = Instant.now();
        var withinLeeway = new Caller(server, Tokens.sign(Tokens.claims("alice").withIssuedAt(now.minusSeconds(120))
                .withExpiresAt(now.minusSeconds(AccessTokens.LEEWAY_SECONDS - 5))));
        try (SseStream stream = withinLeeway.follow(runId)) {
            assertEquals(200, stream.status());
            stream.readToDone();
        }
        var beyond = new Caller(server, Tokens.sign(Tokens.claims("alice").withIssuedAt(now.minusSeconds(120))
                .withExpiresAt(now.minusSeconds(AccessTokens.LEEWAY_SECONDS + 5))));
        var refused = beyond.get("/v1/runs/" + runId + "/events");
        assertEquals(401, refused.statusCode());
        assertTrue(refused.body().contains("the token expired at"), refused.body());
    }
}
