package weft.tools;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.TestServer;

import java.io.IOException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every mistake in a run's {@code tools} or in posted results is a 4xx that says what to change. */
class ToolRequestTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WEFT_MAX_TOOLS", "3", "WEFT_MAX_TOOL_RESULT_CHARS", "50"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonNode refused(int status, String tools) throws IOException {
        var response = server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false,\"tools\":" + tools + "}");
        assertEquals(status, response.statusCode(), response.body());
        return TestServer.JSON.readTree(response.body()).path("error");
    }

    private static String fn(String name, String parameters) {
        return "{\"type\":\"function\",\"name\":\"" + name + "\",\"parameters\":" + parameters + "}";
    }

    private static final String OBJECT = "{\"type\":\"object\",\"properties\":{}}";

    @Test
    void anUnknownServerToolIsRefusedNamingTheOnesThereAre() throws IOException {
        var error = refused(400, "[\"shell\"]");
        assertEquals("invalid_request", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("'shell', which is not a server tool; the server tools are calculator, clock, documents"),
                error.toString());
    }

    @Test
    void aFunctionNameProvidersWouldRefuseIsRefused() throws IOException {
        assertTrue(refused(400, "[" + fn("get weather", OBJECT) + "]").path("message").asText().contains("1 to 64 letters, digits"));
    }

    @Test
    void aFunctionWithoutSchemaIsRefused() throws IOException {
        assertTrue(refused(400, "[{\"type\":\"function\",\"name\":\"f\"}]").path("message").asText().contains("'tools[0].parameters' is required"));
    }

    @Test
    void aSchemaThatIsNotAnObjectSchemaIsRefused() throws IOException {
        assertTrue(refused(400, "[" + fn("f", "{\"type\":\"string\"}") + "]").path("message").asText().contains("\"type\": \"object\""));
        assertTrue(refused(400, "[" + fn("f", "[]") + "]").path("message").asText().contains("JSON Schema"));
    }

    @Test
    void twoToolsWithOneNameAreRefused() throws IOException {
        assertTrue(refused(400, "[" + fn("calculator", OBJECT) + ",\"calculator\"]").path("message").asText().contains("used twice"));
    }

    @Test
    void moreToolsThanTheLimitAreRefused() throws IOException {
        assertTrue(refused(400, "[\"calculator\",\"clock\",\"documents\"," + fn("f", OBJECT) + "]").path("message").asText()
                .contains("the limit is 3 (WEFT_MAX_TOOLS)"));
    }

    @Test
    void toolsThatAreNotAnArrayAreRefused() throws IOException {
        assertTrue(refused(400, "\"calculator\"").path("message").asText().startsWith("'tools' must be an array"));
    }

    @Test
    void resultsForARunThatWaitsForNothingAreAConflict() throws IOException {
        var run = TestServer.JSON.readTree(server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false}").body());
        var response = server.post("/v1/runs/" + run.path("run_id").asText() + "/tool_results",
                "{\"results\":[{\"call_id\":\"c\",\"result\":1}]}");
        assertEquals(409, response.statusCode(), response.body());
        assertTrue(response.body().contains("is not waiting for tool results"), response.body());
    }

    @Test
    void malformedResultsAreRefusedBeforeAnyRunIsAsked() throws IOException {
        var run = TestServer.JSON.readTree(server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false}").body()).path("run_id").asText();
        String path = "/v1/runs/" + run + "/tool_results";
        assertEquals(400, server.post(path, "{}").statusCode());
        assertEquals(400, server.post(path, "{\"results\":[{\"call_id\":\"c\"}]}").statusCode(), "neither result nor error");
        assertEquals(400, server.post(path, "{\"results\":[{\"call_id\":\"c\",\"result\":1,\"error\":\"x\"}]}").statusCode(), "both");
        assertEquals(400, server.post(path, "{\"results\":[{\"call_id\":\"c\",\"result\":1},{\"call_id\":\"c\",\"result\":2}]}").statusCode());
        var big = server.post(path, "{\"results\":[{\"call_id\":\"c\",\"result\":\"" + "x".repeat(60) + "\"}]}");
        assertEquals(413, big.statusCode(), big.body());
        assertTrue(big.body().contains("WEFT_MAX_TOOL_RESULT_CHARS"));
        assertEquals(404, server.post("/v1/runs/r_missing/tool_results", "{\"results\":[{\"call_id\":\"c\",\"result\":1}]}").statusCode());
    }
}
