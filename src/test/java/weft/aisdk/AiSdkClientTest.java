package weft.aisdk;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.TestServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The AI SDK's own client code reads Weft's UI message stream: {@code src/test/node/aisdk/check.mjs}
 * sends a chat message with {@code DefaultChatTransport}, which checks every chunk against the
 * SDK's schema, and folds the chunks with {@code readUIMessageStream} into the message a page
 * built on {@code useChat} would show. Needs Node.js and {@code npm ci} in that folder, which
 * {@code .ci/run} does; without them the test is skipped, unless {@code WEFT_REQUIRE_NODE=1}
 * (set by {@code .ci/run}) makes that a failure.
 */
class AiSdkClientTest {
    private static final Path CHECK = Path.of("src/test/node/aisdk");
    private static TestServer server;

    @BeforeAll
    static void start() {
        String missing = !Files.isDirectory(CHECK.resolve("node_modules/ai")) ? "the ai package (npm ci in " + CHECK + ")"
                : !onPath("node") ? "node" : null;
        if (missing != null) {
            if ("1".equals(System.getenv("WEFT_REQUIRE_NODE"))) fail("WEFT_REQUIRE_NODE=1 but " + missing + " is missing");
            Assumptions.abort("skipped: " + missing + " is missing; .ci/run installs it");
        }
        server = TestServer.start(Map.of("WEFT_PROVIDER", "demo"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) return true;
        }
        return false;
    }

    /** The message the AI SDK built from Weft's stream, and what its resume call found. */
    private static JsonNode check(String chatId, String question, String body) throws IOException, InterruptedException {
        var command = new ArrayList<>(List.of("node", "check.mjs", server.uri("").toString(), chatId, question, body));
        Process node = new ProcessBuilder(command).directory(CHECK.toFile()).redirectErrorStream(true).start();
        byte[] out;
        try (var stdout = node.getInputStream()) {
            out = stdout.readAllBytes(); // ends when node exits
        }
        assertTrue(node.waitFor(60, TimeUnit.SECONDS), "node did not end");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, node.exitValue(), "the AI SDK refused Weft's stream: " + text);
        return TestServer.JSON.readTree(text);
    }

    private static List<JsonNode> parts(JsonNode message, String type) {
        var found = new ArrayList<JsonNode>();
        message.path("parts").forEach(p -> { if (p.path("type").asText().equals(type)) found.add(p); });
        return found;
    }

    @Test
    void theSdksTransportAcceptsEveryChunkAndFoldsATextToolTextAnswer() throws Exception {
        JsonNode result = check("sdk-chat-1", "What is 12 * 7?", "{\"tools\":[\"calculator\"]}");
        JsonNode answer = result.path("answer");
        JsonNode tool = parts(answer, "tool-calculator").getFirst();
        assertEquals("output-available", tool.path("state").asText());
        assertEquals("84", tool.path("output").path("result").asText());
        assertEquals(2, parts(answer, "step-start").size(), "one step before the tool, one after");
        String text = String.join("", parts(answer, "text").stream().map(p -> p.path("text").asText()).toList());
        JsonNode run = TestServer.json(server.get("/v1/runs/" + answer.path("metadata").path("runId").asText()));
        assertEquals(run.path("output").asText(), text, "the folded message's text is the run's output");
        assertEquals("completed", answer.path("metadata").path("status").asText());
        assertTrue(result.path("resumed").isNull(), "nothing to resume once the answer is done");
    }

    @Test
    void aResearchRunFoldsIntoReasoningForEachAgentTheAnswerAndItsSources() throws Exception {
        JsonNode answer = check("sdk-chat-2", "How does the Kafka guide say logs work?",
                "{\"workflow\":\"research\",\"documents\":[{\"id\":\"kafka\",\"title\":\"Kafka guide\",\"text\":\"Kafka keeps a log of events.\"}]}")
                .path("answer");
        assertTrue(parts(answer, "reasoning").size() >= 3, "the planner and the researchers reason: " + answer);
        assertTrue(parts(answer, "data-agent").stream().anyMatch(p -> p.path("id").asText().equals("synthesizer")));
        JsonNode run = TestServer.json(server.get("/v1/runs/" + answer.path("metadata").path("runId").asText()));
        String text = String.join("", parts(answer, "text").stream().map(p -> p.path("text").asText()).toList());
        assertEquals(run.path("output").asText(), text);
        assertTrue(text.contains("[1]"), "the demo model cites the run's documents: " + text);
        JsonNode source = parts(answer, "source-document").getFirst();
        assertEquals("kafka", source.path("sourceId").asText());
        assertEquals("Kafka guide", source.path("title").asText());
    }
}
