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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs and sessions belong to their token's subject: to anyone else they do not exist, and
 * nothing in the answer (status, headers, body) tells another user's id from a missing one.
 */
class IsolationTest {
    private static TestServer server;
    private static Caller alice;
    private static Caller bob;

    @BeforeAll
    static void start() {
        // Slow enough that alice's run is still running while bob pokes at it.
        server = TestServer.start(Map.of("WEFT_JWT_SECRET", Tokens.SECRET, "WEFT_DEMO_TOKENS_PER_SECOND", "20"));
        alice = Caller.as(server, "alice");
        bob = Caller.as(server, "bob");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The headers a client could tell answers apart by: all but the date. */
    private static Map<String, List<String>> headers(HttpResponse<String> response) {
        var headers = new TreeMap<String, List<String>>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(response.headers().map());
        headers.remove("date");
        return headers;
    }

    /** Bob asks for alice's id and for a missing id of the same length: the two answers are the same but for the id. */
    private static void assertLooksMissing(String what, String aliceId, String missingId, BiFunction<Caller, String, HttpResponse<String>> ask) {
        assertEquals(aliceId.length(), missingId.length());
        var theirs = ask.apply(bob, aliceId);
        var missing = ask.apply(bob, missingId);
        assertEquals(404, missing.statusCode(), what + ": " + missing.body());
        assertEquals(missing.statusCode(), theirs.statusCode(), what);
        assertEquals(headers(missing), headers(theirs), what);
        assertEquals(missing.body(), theirs.body().replace(aliceId, missingId), what);
        assertTrue(missing.body().contains(missingId), what + ": the check is not vacuous: " + missing.body());
    }

    @Test
    void anotherUsersRunAnswersExactlyAsAMissingOne() {
        String runId = alice.startBackground("\"input\":\"tell me a long story\",\"max_tokens\":400");
        String missing = Ids.newId("r_");
        assertLooksMissing("GET run", runId, missing, (c, id) -> c.get("/v1/runs/" + id));
        assertLooksMissing("GET events", runId, missing, (c, id) -> c.get("/v1/runs/" + id + "/events"));
        assertLooksMissing("cancel", runId, missing, (c, id) -> c.post("/v1/runs/" + id + "/cancel", ""));
        assertLooksMissing("agent cancel", runId, missing, (c, id) -> c.post("/v1/runs/" + id + "/agents/assistant/cancel", ""));
        assertLooksMissing("ticket", runId, missing, (c, id) -> c.post("/v1/runs/" + id + "/ticket", ""));
        assertLooksMissing("tool results", runId, missing, (c, id) -> c.post("/v1/runs/" + id + "/tool_results", "{\"results\":[{\"call_id\":\"c\",\"result\":1}]}"));
        // Bob's attempts changed nothing: alice's run went on, and she can still stop it.
        var hers = TestServer.json(alice.get("/v1/runs/" + runId));
        assertEquals("running", hers.get("status").asText());
        assertEquals(202, alice.post("/v1/runs/" + runId + "/agents/assistant/cancel", "").statusCode());
        assertEquals("cancelled", server.awaitEnd(runId).status().wire());
    }

    @Test
    void anotherUsersSessionAnswersExactlyAsAMissingOne() {
        var run = TestServer.json(alice.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false,\"max_tokens\":3}"));
        String sessionId = run.get("session_id").asText();
        String missing = Ids.newId("s_");
        assertLooksMissing("GET session", sessionId, missing, (c, id) -> c.get("/v1/sessions/" + id));
        assertLooksMissing("DELETE session", sessionId, missing, (c, id) -> c.delete("/v1/sessions/" + id));
        assertLooksMissing("continue session", sessionId, missing,
                (c, id) -> c.post("/v1/runs", "{\"input\":\"more\",\"stream\":false,\"max_tokens\":3,\"session_id\":\"" + id + "\"}"));
        var hers = TestServer.json(alice.get("/v1/sessions/" + sessionId));
        assertEquals(2, hers.get("messages").size(), "bob's DELETE left alice's session alone: " + hers);
    }

    @Test
    void aRunBelongsToTheSubjectNotToTheToken() {
        String runId = alice.startBackground("\"input\":\"hi\",\"max_tokens\":3");
        var aliceAgain = Caller.as(server, "alice"); // another token, the same user
        try (SseStream stream = aliceAgain.follow(runId)) {
            assertEquals(200, stream.status());
            stream.readToDone();
        }
        assertEquals(200, aliceAgain.get("/v1/runs/" + runId).statusCode());
    }

    @Test
    void metricsNeedTheMetricsTokenWhenOneIsSet() {
        var env = new HashMap<>(Tokens.env());
        env.put("WEFT_METRICS_TOKEN", "scrape-me-0123456789");
        try (TestServer guarded = TestServer.start(env)) {
            var none = guarded.get("/metrics");
            assertEquals(401, none.statusCode());
            assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertEquals("{\"error\":{\"code\":\"unauthorized\",\"message\":\"this endpoint needs the operator's token: send "
                    + "Authorization: Bearer <WEFT_METRICS_TOKEN>\"}}", none.body());
            AccessTokenTest.assertInvalidToken(new Caller(guarded, "scrape-me-012345678").get("/metrics"),
                    "not the metrics token (WEFT_METRICS_TOKEN)");
            AccessTokenTest.assertInvalidToken(Caller.as(guarded, "alice").get("/metrics"),
                    "not the metrics token (WEFT_METRICS_TOKEN)");
            var ok = new Caller(guarded, "scrape-me-0123456789").get("/metrics");
            assertEquals(200, ok.statusCode());
            assertTrue(ok.body().contains("weft_"), ok.body());
        }
    }

    @Test
    void withoutAMetricsTokenMetricsAreAUserRoute() {
        assertEquals(401, server.get("/metrics").statusCode());
        assertEquals(200, alice.get("/metrics").statusCode());
    }

    @Test
    void aMetricsTokenGuardsMetricsEvenWithoutUserAuthentication() {
        try (TestServer open = TestServer.start(Map.of("WEFT_METRICS_TOKEN", "scrape-me-0123456789"))) {
            assertEquals(401, open.get("/metrics").statusCode());
            assertEquals(200, open.send(HttpRequest.newBuilder(open.uri("/metrics"))
                    .header("Authorization", "Bearer scrape-me-0123456789")).statusCode());
            assertEquals(200, open.get("/v1/workflows").statusCode(), "users stay anonymous");
        }
    }
}
