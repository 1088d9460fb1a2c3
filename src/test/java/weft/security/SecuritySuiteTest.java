package weft.security;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.Await;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every endpoint, walked as nobody, as user A and as user B, on the store this execution
 * uses (the suite runs once on memory and once on Redis). Nobody gets a 401 except on public
 * routes; B sees none of A's work, and every refusal B gets is byte for byte the answer to a
 * run or session that does not exist; A's own requests work; per-user limits count each
 * user apart.
 */
class SecuritySuiteTest {
    private static final String SECRET = "a-test-secret-that-is-at-least-32-bytes-long";
    private static TestServer server;
    private static String alice;
    private static String bob;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WEFT_JWT_SECRET", SECRET, "WEFT_DEMO_TOKENS_PER_SECOND", "20",
                "WEFT_MAX_RUNS_PER_USER", "3"));
        alice = token("alice");
        bob = token("bob");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String token(String subject) {
        return JWT.create().withSubject(subject).withExpiresAt(Instant.now().plusSeconds(600)).sign(Algorithm.HMAC256(SECRET));
    }

    /** One request: method, path, body (or null), as the holder of {@code token} (or nobody). */
    static HttpResponse<String> call(String token, String method, String path, String body) {
        var request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(20));
        if (token != null) request.header("Authorization", "Bearer " + token);
        if (body != null) request.header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return server.send(request);
    }

    /** A's long run in the background, with its session. */
    record Owned(String runId, String sessionId) {}

    static Owned startLongRun(String token) {
        var started = call(token, "POST", "/v1/runs", "{\"input\":\"write at length\",\"background\":true,\"max_tokens\":2000}");
        assertEquals(202, started.statusCode(), started.body());
        var json = TestServer.json(started);
        return new Owned(json.get("run_id").asText(), json.get("session_id").asText());
    }

    /** Every route of the contract (and this ticket), with A's ids filled in. */
    static List<String[]> routes(Owned a) {
        String run = "/v1/runs/" + a.runId();
        return List.of(
                new String[]{"POST", "/v1/runs", "{\"input\":\"hi\",\"background\":true}"},
                new String[]{"GET", run, null},
                new String[]{"GET", run + "/events", null},
                new String[]{"POST", run + "/cancel", null},
                new String[]{"POST", run + "/agents/assistant/cancel", null},
                new String[]{"POST", run + "/ticket", null},
                new String[]{"GET", "/v1/sessions/" + a.sessionId(), null},
                new String[]{"DELETE", "/v1/sessions/" + a.sessionId(), null},
                new String[]{"GET", "/v1/workflows", null},
                new String[]{"GET", "/metrics", null});
    }

    @Test
    void nobodyGets401OnEveryRouteButHealth() {
        Owned a = startLongRun(alice);
        try {
            for (String[] r : routes(a)) {
                var answer = call(null, r[0], r[1], r[2]);
                assertEquals(401, answer.statusCode(), r[0] + " " + r[1] + ": " + answer.body());
                assertTrue(answer.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), r[1]);
                assertEquals("unauthorized", TestServer.json(answer).path("error").path("code").asText(), answer.body());
            }
            for (String bad : List.of("Bearer nonsense", "Basic YWxpY2U6cHc=", "Bearer " + alice + "x")) {
                var answer = server.send(HttpRequest.newBuilder(server.uri("/v1/runs/" + a.runId())).header("Authorization", bad));
                assertEquals(401, answer.statusCode(), bad);
            }
            assertEquals(200, call(null, "GET", "/healthz", null).statusCode(), "health is public");
        } finally {
            call(alice, "POST", "/v1/runs/" + a.runId() + "/cancel", null);
        }
    }

    @Test
    void bobSeesNothingOfAlicesAndEachRefusalIsTheAnswerToAMissingOne() {
        Owned a = startLongRun(alice);
        try {
            String missingRun = "r_" + "A".repeat(22);
            String missingSession = "s_" + "A".repeat(22);
            for (String[] r : routes(a)) {
                if (!r[1].contains(a.runId()) && !r[1].contains(a.sessionId())) continue;
                var asBob = call(bob, r[0], r[1], r[2]);
                String missingPath = r[1].replace(a.runId(), missingRun).replace(a.sessionId(), missingSession);
                var missing = call(bob, r[0], missingPath, r[2]);
                assertEquals(404, asBob.statusCode(), r[0] + " " + r[1] + " as bob: " + asBob.body());
                assertEquals(missing.statusCode(), asBob.statusCode(), r[1]);
                assertEquals(missing.body().replace(missingRun, a.runId()).replace(missingSession, a.sessionId()), asBob.body(),
                        "the answer to " + r[0] + " " + r[1] + " says no more than one for a missing id");
                assertEquals(headerShape(missing), headerShape(asBob), r[1]);
            }
            // Bob's refusals changed nothing: Alice's run still runs and her session is still there.
            var mine = TestServer.json(call(alice, "GET", "/v1/runs/" + a.runId(), null));
            assertEquals("running", mine.get("status").asText());
            assertEquals(200, call(alice, "GET", "/v1/sessions/" + a.sessionId(), null).statusCode());
            // Nor may Bob continue her session with a run of his own.
            var intoHers = call(bob, "POST", "/v1/runs", "{\"input\":\"hi\",\"session_id\":\"" + a.sessionId() + "\"}");
            var intoNone = call(bob, "POST", "/v1/runs", "{\"input\":\"hi\",\"session_id\":\"" + missingSession + "\"}");
            assertEquals(404, intoHers.statusCode(), intoHers.body());
            assertEquals(intoNone.body().replace(missingSession, a.sessionId()), intoHers.body());
        } finally {
            call(alice, "POST", "/v1/runs/" + a.runId() + "/cancel", null);
        }
    }

    /** Header names and the values that could tell two answers apart (not Date). */
    private static Map<String, List<String>> headerShape(HttpResponse<String> r) {
        var shape = new TreeMap<String, List<String>>();
        r.headers().map().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("date")) shape.put(name.toLowerCase(java.util.Locale.ROOT), values);
        });
        return shape;
    }

    @Test
    void aliceCanDoEverythingWithHerOwnRun() {
        Owned a = startLongRun(alice);
        assertEquals(200, call(alice, "GET", "/v1/runs/" + a.runId(), null).statusCode());
        var ticket = call(alice, "POST", "/v1/runs/" + a.runId() + "/ticket", null);
        assertEquals(200, ticket.statusCode(), ticket.body());
        String t = TestServer.json(ticket).get("ticket").asText();
        try (SseStream events = server.stream(HttpRequest.newBuilder(server.uri("/v1/runs/" + a.runId() + "/events?ticket=" + t)))) {
            assertEquals(200, events.status());
            assertEquals("run_started", events.nextEvent().type());
            assertEquals(202, call(alice, "POST", "/v1/runs/" + a.runId() + "/agents/assistant/cancel", null).statusCode());
            var all = events.readToDone();
            assertEquals("done", all.getLast().type(), "her stream, opened with a ticket, runs to the end");
        }
        assertEquals(409, call(alice, "POST", "/v1/runs/" + a.runId() + "/cancel", null).statusCode(), "it has ended");
        assertEquals(200, call(alice, "GET", "/v1/sessions/" + a.sessionId(), null).statusCode());
        assertEquals(204, call(alice, "DELETE", "/v1/sessions/" + a.sessionId(), null).statusCode());
    }

    @Test
    void aTicketOpensOnlyItsOwnRunForItsOwnUser() {
        Owned a = startLongRun(alice);
        Owned b = startLongRun(bob);
        try {
            String aliceTicket = TestServer.json(call(alice, "POST", "/v1/runs/" + a.runId() + "/ticket", null)).get("ticket").asText();
            var onBobsRun = server.get("/v1/runs/" + b.runId() + "/events?ticket=" + aliceTicket);
            assertEquals(401, onBobsRun.statusCode(), "a ticket is for one run");
            var bobTicket = call(bob, "POST", "/v1/runs/" + a.runId() + "/ticket", null);
            assertEquals(404, bobTicket.statusCode(), "no ticket for someone else's run");
            var tokenInUrl = server.get("/v1/runs/" + a.runId() + "/events?access_token=" + alice);
            assertEquals(401, tokenInUrl.statusCode(), "an access token does not belong in a URL");
            var tokenAsTicket = server.get("/v1/runs/" + a.runId() + "/events?ticket=" + alice);
            assertEquals(401, tokenAsTicket.statusCode(), "an access token is not a ticket");
        } finally {
            call(alice, "POST", "/v1/runs/" + a.runId() + "/cancel", null);
            call(bob, "POST", "/v1/runs/" + b.runId() + "/cancel", null);
        }
    }

    @Test
    void oneUsersRunLimitDoesNotStopAnother() {
        // Runs the other tests cancelled give their places back as they end.
        Await.until("no user holds a place", Duration.ofSeconds(30), () -> server.metric("weft_user_run_places") == 0);
        var held = new ArrayList<Owned>();
        try {
            for (int i = 0; i < 3; i++) held.add(startLongRun(alice));
            var fourth = call(alice, "POST", "/v1/runs", "{\"input\":\"one more\",\"background\":true}");
            assertEquals(429, fourth.statusCode(), fourth.body());
            assertTrue(fourth.headers().firstValue("Retry-After").isPresent());
            assertTrue(fourth.body().contains("WEFT_MAX_RUNS_PER_USER"), fourth.body());
            Owned bobs = startLongRun(bob);
            held.add(bobs);
        } finally {
            for (Owned o : held) {
                call(alice, "POST", "/v1/runs/" + o.runId() + "/cancel", null);
                call(bob, "POST", "/v1/runs/" + o.runId() + "/cancel", null);
            }
        }
        Await.until("every run has ended", Duration.ofSeconds(30), () -> server.metric("weft_active_runs") == 0);
        var again = call(alice, "POST", "/v1/runs", "{\"input\":\"hi\",\"background\":true}");
        assertEquals(202, again.statusCode(), "her places came back when her runs ended: " + again.body());
        assertFalse(again.body().isEmpty());
    }
}
