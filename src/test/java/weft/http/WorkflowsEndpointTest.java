package weft.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.Main;
import weft.config.Settings;
import weft.testing.TestServer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /v1/workflows} over HTTP, with workflows loaded from {@code WEFT_WORKFLOWS}; a bad file stops start-up. */
class WorkflowsEndpointTest {
    private static final String EXAMPLE = "test-fixtures/workflows/example.json";
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WEFT_WORKFLOWS", EXAMPLE));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void listsTheBuiltInAndTheLoadedWorkflowsWithTheirAgentTrees() {
        var response = server.get("/v1/workflows");
        assertEquals(200, response.statusCode());
        JsonNode json = TestServer.json(response);
        assertEquals(List.of("chat", "research", "review", "compare", "fact-check"), names(json.get("workflows"), "name"));
        assertTrue(names(json.get("providers"), null).contains("demo"), json.toString());

        JsonNode chat = json.get("workflows").get(0);
        assertEquals("[\"assistant\"]", chat.get("agents").toString());
        assertEquals("agent", chat.get("root").get("type").asText());

        JsonNode research = json.get("workflows").get(1);
        assertEquals("[\"planner\",\"researcher-*\",\"synthesizer\"]", research.get("agents").toString());
        JsonNode researchSteps = research.get("root").get("steps");
        assertEquals(List.of("plan", "fan_out", "agent"), names(researchSteps, "type"));
        assertEquals("plan", researchSteps.get(1).get("over").asText());
        assertEquals("researcher", researchSteps.get(1).get("agent").get("name").asText());

        JsonNode review = json.get("workflows").get(2);
        assertEquals("[\"writer\",\"critic\",\"editor\"]", review.get("agents").toString());
        JsonNode writer = review.get("root").get("steps").get(0);
        assertEquals("draft", writer.get("output_key").asText());
        assertEquals("60s", writer.get("timeout").asText());
        assertEquals(400, writer.get("max_tokens").asInt());
        JsonNode polish = review.get("root").get("steps").get(1);
        assertEquals("loop", polish.get("type").asText());
        assertEquals(3, polish.get("max_iterations").asInt());
        assertEquals("APPROVED", polish.get("until_text").asText());
        assertEquals(List.of("critic", "editor"), names(polish.get("steps"), "name"));

        JsonNode compare = json.get("workflows").get(3);
        assertEquals("[\"optimist\",\"skeptic\",\"summarizer\"]", compare.get("agents").toString());
        JsonNode views = compare.get("root").get("steps").get(0);
        assertEquals("parallel", views.get("type").asText());
        assertEquals("best_effort", views.get("on_failure").asText());
    }

    @Test
    void aServerWithABadWorkflowsFileDoesNotStartAndSaysWhy() {
        String bad = "test-fixtures/workflows/bad-placeholder.json";
        var refused = assertThrows(IllegalArgumentException.class,
                () -> Main.start(Settings.load(Map.of("WEFT_PORT", "0", "WEFT_WORKFLOWS", bad))));
        String message = refused.getMessage();
        for (String part : List.of(bad, "workflow 'review'", "step 'critic'", "'instruction' reads {draft}")) {
            assertTrue(message.contains(part), "expected \"" + part + "\" in: " + message);
        }
    }

    /** A field of every object in an array, or the array's strings when {@code field} is null. */
    private static List<String> names(JsonNode array, String field) {
        var names = new ArrayList<String>();
        array.forEach(item -> names.add(field == null ? item.asText() : item.get(field).asText()));
        return names;
    }
}
