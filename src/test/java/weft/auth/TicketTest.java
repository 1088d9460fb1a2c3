package weft.auth;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.store.Ids;
import weft.testing.Caller;
import weft.testing.SseStream;
import weft.testing.TestServer;
import weft.testing.Tokens;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Stream tickets: what a browser's EventSource sends instead of a header, for one run, for a minute. */
class TicketTest {
    private static TestServer server;
    private static Caller alice;

    @BeforeAll
    static void start() {
        server = TestServer.start(Tokens.env());
        alice = Caller.as(server, "alice");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static SseStream followWithTicket(TestServer on, String runId, String ticket, String... headers) {
        var request = HttpRequest.newBuilder(on.uri("/v1/runs/" + runId + "/events?ticket=" + ticket));
        if (headers.length > 0) request.headers(headers);
        return on.stream(request);
    }

    private static HttpResponse<String> eventsWithTicket(String runId, String ticket) {
        return server.get("/v1/runs/" + runId + "/events?ticket=" + ticket);
    }

    @Test
    void theTicketEndpointAnswersATicketThatLastsAMinute() {
        String runId = alice.startBackground("\"input\":\"hi\"");
        var response = alice.post("/v1/runs/" + runId + "/ticket", "");
        assertEquals(200, response.statusCode());
        var json = TestServer.json(response);
        assertEquals(60, json.get("expires_in").asInt());
        assertEquals(2, json.size(), "exactly ticket and expires_in: " + json);
        assertTrue(json.get("ticket").asText().matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+"), json.toString());
    }

    @Test
    void aTicketFollowsItsRunWithoutAnyHeader() {
        String runId = alice.startBackground("\"input\":\"hi\"");
        try (SseStream stream = followWithTicket(server, runId, alice.ticket(runId))) {
            assertEquals(200, stream.status());
            var events = stream.readToDone();
            assertEquals("run_started", events.getFirst().type());
            assertEquals("completed", events.getLast().text("status"));
        }
    }

    @Test
    void aTicketForAnotherRunIs401() {
        String mine = alice.startBackground("\"input\":\"hi\"");
        String other = alice.startBackground("\"input\":\"hi\"");
        AccessTokenTest.assertInvalidToken(eventsWithTicket(other, alice.ticket(mine)),
                "the ticket is for another run: get one for this run from POST /v1/runs/" + other + "/ticket");
    }

    @Test
    void anExpiredTicketIs401() {
        String runId = alice.startBackground("\"input\":\"hi\"");
        var past = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-2));
        String expired = new Tickets(() -> Tickets.derivedKey(Tokens.SECRET), past).issue("alice", runId);
        AccessTokenTest.assertInvalidToken(eventsWithTicket(runId, expired),
                "the ticket has expired (tickets last 60 s): get a new one from POST /v1/runs/" + runId + "/ticket");
    }

    @Test
    void aTamperedTicketIs401() {
        String runId = alice.startBackground("\"input\":\"hi\"");
        String[] parts = alice.ticket(runId).split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(
                payload.replace("\"alice\"", "\"bob\"").getBytes(StandardCharsets.UTF_8));
        AccessTokenTest.assertInvalidToken(eventsWithTicket(runId, parts[0] + "." + forged + "." + parts[2]),
                "the ticket's signature does not verify: it was altered or signed elsewhere");
        AccessTokenTest.assertInvalidToken(eventsWithTicket(runId, "garbage"),
                "the ticket is malformed: a JWT is three base64url parts of JSON separated by dots");
    }

    @Test
    void aTicketSignedWithTheAccessTokenKeyIs401() {
        String runId = alice.startBackground("\"input\":\"hi\"");
        String forged = new Tickets(() -> Tokens.SECRET.getBytes(StandardCharsets.UTF_8), Clock.systemUTC()).issue("alice", runId);
        AccessTokenTest.assertInvalidToken(eventsWithTicket(runId, forged),
                "the ticket's signature does not verify: it was altered or signed elsewhere");
    }

    @Test
    void anAccessTokenIsNeverATicket() {
        String runId = alice.startBackground("\"input\":\"hi\"");
        var response = eventsWithTicket(runId, alice.token());
        AccessTokenTest.assertInvalidToken(response, "an access token is not a ticket and does not belong in a URL: send it as "
                + "Authorization: Bearer <token>, or get a ticket from POST /v1/runs/" + runId + "/ticket");
        assertFalse(response.body().contains(alice.token()));
    }

    @Test
    void aTicketIsNeverAnAccessToken() {
        String runId = alice.startBackground("\"input\":\"hi\"");
        AccessTokenTest.assertInvalidToken(new Caller(server, alice.ticket(runId)).get("/v1/runs/" + runId),
                "this is a stream ticket, not an access token: a ticket is accepted only as ?ticket= on the events of its run");
    }

    @Test
    void aTicketIsAcceptedOnlyOnItsRunsEvents() {
        String runId = alice.startBackground("\"input\":\"hi\"");
        String ticket = alice.ticket(runId);
        String expected = "a ticket is accepted only by GET /v1/runs/{id}/events of the run it was issued for; "
                + "send Authorization: Bearer <token> here";
        AccessTokenTest.assertInvalidToken(server.get("/v1/runs/" + runId + "?ticket=" + ticket), expected);
        AccessTokenTest.assertInvalidToken(server.post("/v1/runs/" + runId + "/cancel?ticket=" + ticket, ""), expected);
        AccessTokenTest.assertInvalidToken(server.post("/v1/runs/" + runId + "/ticket?ticket=" + ticket, ""), expected);
    }

    @Test
    void anotherUsersRunHasNoTicketToGive() {
        String runId = alice.startBackground("\"input\":\"hi\"");
        var bob = Caller.as(server, "bob");
        String missing = Ids.newId("r_");
        var theirs = bob.post("/v1/runs/" + runId + "/ticket", "");
        var none = bob.post("/v1/runs/" + missing + "/ticket", "");
        assertEquals(404, theirs.statusCode());
        assertEquals(none.body(), theirs.body().replace(runId, missing));
    }

    @Test
    void withoutAuthenticationTicketsStillWorkAndAreStillChecked() {
        try (TestServer open = TestServer.start(Map.of())) {
            String runId = open.startBackground("\"input\":\"hi\"");
            var response = open.post("/v1/runs/" + runId + "/ticket", "");
            assertEquals(200, response.statusCode());
            String ticket = TestServer.json(response).get("ticket").asText();
            try (SseStream stream = followWithTicket(open, runId, ticket)) {
                assertEquals("completed", stream.readToDone().getLast().text("status"));
            }
            String other = open.startBackground("\"input\":\"hi\"");
            var wrongRun = open.get("/v1/runs/" + other + "/events?ticket=" + ticket);
            assertEquals(401, wrongRun.statusCode());
            assertEquals("invalid_token", TestServer.json(wrongRun).at("/error/code").asText());
            assertEquals(401, open.get("/v1/runs/" + runId + "/events?ticket=" + ticket.substring(0, ticket.length() - 4) + "AAAA")
                    .statusCode());
        }
    }

    /** Any instance accepts a ticket another issued: the key is derived from the secret, or shared through Redis. */
    @Test
    void aTicketIssuedByOneInstanceIsAcceptedByAnother() {
        assumeTrue(TestServer.onRedis(), "instances share runs only through Redis");
        for (Map<String, String> auth : java.util.List.of(Tokens.env(), Map.<String, String>of())) {
            var env = new HashMap<>(auth);
            env.put("WEFT_REDIS_PREFIX", "test:" + Ids.newId("") + ":"); // the same for both instances
            try (TestServer one = TestServer.start(env); TestServer two = TestServer.start(env)) {
                assertNotEquals(one.weft().instance(), two.weft().instance());
                var onOne = new Caller(one, Tokens.of("alice"));
                String runId = auth.isEmpty() ? one.startBackground("\"input\":\"hi\"") : onOne.startBackground("\"input\":\"hi\"");
                String ticket = auth.isEmpty() ? TestServer.json(one.post("/v1/runs/" + runId + "/ticket", "")).get("ticket").asText()
                        : onOne.ticket(runId);
                try (SseStream stream = followWithTicket(two, runId, ticket)) {
                    assertEquals(200, stream.status(), "with " + auth.keySet());
                    assertEquals("completed", stream.readToDone().getLast().text("status"));
                }
            }
        }
    }
}
