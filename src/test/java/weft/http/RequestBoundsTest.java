package weft.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.TestServer;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every field of a request a client controls is bounded, and going over a bound is a 4xx whose
 * message names the limit (and its setting, where there is one), never a 500, and starts no run.
 */
class RequestBoundsTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WEFT_MAX_DOCUMENTS", "3", "WEFT_MAX_DOCUMENT_CHARS", "1000",
                "WEFT_MAX_TOKENS", "1000"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonNode refused(HttpResponse<String> response, int status, String code, String... named) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode error = TestServer.json(response).get("error");
        assertEquals(code, error.get("code").asText(), response.body());
        for (String name : named) assertTrue(error.get("message").asText().contains(name), "names " + name + ": " + response.body());
        return error;
    }

    private static HttpResponse<String> run(String fields) {
        return server.post("/v1/runs", "{\"input\":\"hi\",\"background\":true" + fields + "}");
    }

    @Test
    void aBodyNested100000LevelsDeepIs400NamingTheDepthLimit() {
        double before = server.metric("weft_runs_started_total");
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        refused(run(",\"documents\":" + deep), 400, "invalid_json", "64 levels", "the limit is 64");
        refused(server.post("/v1/runs", "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000)), 400, "invalid_json", "the limit is 64");
        assertEquals(before, server.metric("weft_runs_started_total"));
    }

    @Test
    void aNumberOf5000DigitsIs400NamingTheLengthLimit() {
        refused(run(",\"max_tokens\":" + "9".repeat(5_000)), 400, "invalid_json", "the limit is 100");
        refused(run(",\"max_tokens\":1." + "5".repeat(5_000)), 400, "invalid_json", "the limit is 100");
    }

    @Test
    void moreDocumentsThanWeftMaxDocumentsIs413() {
        String doc = "{\"text\":\"x\"}";
        assertEquals(202, run(",\"documents\":[" + doc + "," + doc + "," + doc + "]").statusCode());
        refused(run(",\"documents\":[" + doc + "," + doc + "," + doc + "," + doc + "]"), 413, "too_large",
                "4 documents", "the limit is 3 (WEFT_MAX_DOCUMENTS)");
    }

    @Test
    void documentsLongerTogetherThanWeftMaxDocumentCharsIs413() {
        String doc = "{\"id\":\"a\",\"text\":\"" + "x".repeat(600) + "\"}";
        assertEquals(202, run(",\"documents\":[" + doc + "]").statusCode());
        refused(run(",\"documents\":[" + doc + "," + doc + "]"), 413, "too_large", "the limit is 1000 (WEFT_MAX_DOCUMENT_CHARS)");
    }

    @Test
    void maxTokensOverWeftMaxTokensIs400() {
        assertEquals(202, run(",\"max_tokens\":1000").statusCode());
        refused(run(",\"max_tokens\":1001"), 400, "invalid_request", "1001", "the limit is 1000 (WEFT_MAX_TOKENS)");
        refused(run(",\"max_tokens\":99999999999999999999"), 400, "invalid_request", "the limit is 1000 (WEFT_MAX_TOKENS)");
        refused(run(",\"max_tokens\":0"), 400, "invalid_request", "at least 1");
    }

    @Test
    void aSessionIdLongerThan64CharactersIs400() {
        refused(run(",\"session_id\":\"s_" + "a".repeat(63) + "\""), 400, "invalid_request", "65 characters", "at most 64");
        refused(run(",\"session_id\":\"s_" + "a".repeat(62) + "\""), 404, "not_found");
    }

    @Test
    void anIdInAPathLongerThan64CharactersIs404LikeAMissingOne() {
        String longId = "r_" + "a".repeat(5_000);
        var missing = refused(server.get("/v1/runs/r_aaaaaaaaaaaaaaaaaaaaaa"), 404, "not_found");
        var tooLong = refused(server.get("/v1/runs/" + longId), 404, "not_found");
        assertEquals(missing.get("message").asText().replace("r_aaaaaaaaaaaaaaaaaaaaaa", "ID"),
                tooLong.get("message").asText().replaceAll("r_a+…", "ID"));
        assertTrue(tooLong.get("message").asText().length() < 200, "the answer does not echo the whole id");
        refused(server.get("/v1/runs/" + longId + "/events"), 404, "not_found");
        refused(server.post("/v1/runs/" + longId + "/cancel", ""), 404, "not_found");
        refused(server.get("/v1/sessions/s_" + "b".repeat(5_000)), 404, "not_found");
        refused(server.delete("/v1/sessions/s_" + "b".repeat(5_000)), 404, "not_found");
    }

    @Test
    void anIdempotencyKeyLongerThan255CharactersIs400() {
        var response = server.send(HttpRequest.newBuilder(server.uri("/v1/runs")).header("Content-Type", "application/json")
                .header("Idempotency-Key", "k".repeat(256))
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hi\",\"background\":true}")));
        refused(response, 400, "invalid_request", "256", "the limit is 255");
    }

    @Test
    void anInputOverWeftMaxInputCharsNamesTheSetting() {
        try (var small = TestServer.start(Map.of("WEFT_MAX_INPUT_CHARS", "10"))) {
            refused(small.post("/v1/runs", "{\"input\":\"" + "x".repeat(11) + "\"}"), 413, "too_large",
                    "the limit is 10 (WEFT_MAX_INPUT_CHARS)");
        }
    }
}
