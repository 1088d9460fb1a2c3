package weft.aisdk;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.PartScript;
import weft.testing.ScriptedProvider;
import weft.testing.TestServer;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.testing.PartScript.answer;
import static weft.testing.PartScript.call;
import static weft.testing.PartScript.hasResults;
import static weft.testing.PartScript.text;

/** What each kind of run looks like as the AI SDK's UI message stream, byte for byte where the model is scripted. */
class UiStreamFramesTest {
    private static final ScriptedProvider HELLO = ScriptedProvider.of("hello", List.of("Hel", "lo, ", "wörld"));
    private static final ScriptedProvider BROKEN = ScriptedProvider.of("broken", List.of("half", " an")).failingAfter(2);
    private static final PartScript TOOLS = new PartScript("tools", r -> hasResults(r)
            ? answer("stop", text("It is 84."))
            : answer("tool_calls", text("Counting."), call("call_1", "calculator", "{\"expression\":", "\"12*7\"}")));
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of(), HELLO, BROKEN, TOOLS);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String chat(String chatId, String text, String extra) {
        return "{\"id\":\"" + chatId + "\",\"messages\":[{\"id\":\"m1\",\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\""
                + text + "\"}]}],\"trigger\":\"submit-message\"" + extra + "}";
    }

    private static HttpResponse<String> post(String body) {
        return server.send(HttpRequest.newBuilder(server.uri("/v1/ui/chat")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** The frames {@code data: …} a list of payloads makes, as the AI SDK's own server writes them. */
    private static String frames(String... payloads) {
        return java.util.Arrays.stream(payloads).map(p -> "data: " + p + "\n\n").collect(Collectors.joining());
    }

    private static String runId(HttpResponse<String> response) {
        return response.headers().firstValue("X-Run-Id").orElseThrow();
    }

    private static String sessionId(String runId) {
        return TestServer.json(server.get("/v1/runs/" + runId)).get("session_id").asText();
    }

    private static List<String> payloads(String body) {
        var out = new ArrayList<String>();
        for (String frame : body.split("\n\n")) {
            assertTrue(frame.startsWith("data: "), "a frame that is not data: " + frame);
            out.add(frame.substring("data: ".length()));
        }
        return out;
    }

    @Test
    void aScriptedAnswerIsOneTextPartInOneStep() {
        var response = post(chat("hello-1", "Hi", ",\"provider\":\"hello\""));
        String run = runId(response);
        assertEquals(200, response.statusCode());
        assertEquals("text/event-stream; charset=utf-8", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("v1", response.headers().firstValue("x-vercel-ai-ui-message-stream").orElseThrow());
        assertEquals(frames(
                "{\"type\":\"start\",\"messageId\":\"" + run + "\",\"messageMetadata\":{\"runId\":\"" + run
                        + "\",\"sessionId\":\"" + sessionId(run) + "\"}}",
                "{\"type\":\"start-step\"}",
                "{\"type\":\"data-agent\",\"id\":\"assistant\",\"data\":{\"agent\":\"assistant\",\"status\":\"running\"}}",
                "{\"type\":\"text-start\",\"id\":\"text-1\"}",
                "{\"type\":\"text-delta\",\"id\":\"text-1\",\"delta\":\"Hel\"}",
                "{\"type\":\"text-delta\",\"id\":\"text-1\",\"delta\":\"lo, \"}",
                "{\"type\":\"text-delta\",\"id\":\"text-1\",\"delta\":\"wörld\"}",
                "{\"type\":\"text-end\",\"id\":\"text-1\"}",
                "{\"type\":\"data-agent\",\"id\":\"assistant\",\"data\":{\"agent\":\"assistant\",\"status\":\"completed\"}}",
                "{\"type\":\"finish-step\"}",
                "{\"type\":\"finish\",\"messageMetadata\":{\"status\":\"completed\",\"finishReason\":\"stop\","
                        + "\"usage\":{\"inputTokens\":7,\"outputTokens\":3}}}",
                "[DONE]"), response.body());
    }

    @Test
    void aServerToolCallIsAToolPartWeftExecutedAndTheAnswerAfterItANewStep() {
        var response = post(chat("tools-1", "What is 12 * 7?", ",\"provider\":\"tools\",\"tools\":[\"calculator\"]"));
        List<String> payloads = payloads(response.body());
        assertEquals(List.of(
                "{\"type\":\"start-step\"}",
                "{\"type\":\"data-agent\",\"id\":\"assistant\",\"data\":{\"agent\":\"assistant\",\"status\":\"running\"}}",
                "{\"type\":\"text-start\",\"id\":\"text-1\"}",
                "{\"type\":\"text-delta\",\"id\":\"text-1\",\"delta\":\"Counting.\"}",
                "{\"type\":\"text-end\",\"id\":\"text-1\"}",
                "{\"type\":\"tool-input-start\",\"toolCallId\":\"call_1\",\"toolName\":\"calculator\",\"providerExecuted\":true}",
                "{\"type\":\"tool-input-delta\",\"toolCallId\":\"call_1\",\"inputTextDelta\":\"{\\\"expression\\\":\"}",
                "{\"type\":\"tool-input-delta\",\"toolCallId\":\"call_1\",\"inputTextDelta\":\"\\\"12*7\\\"}\"}",
                "{\"type\":\"tool-input-available\",\"toolCallId\":\"call_1\",\"toolName\":\"calculator\","
                        + "\"input\":{\"expression\":\"12*7\"},\"providerExecuted\":true}",
                "{\"type\":\"tool-output-available\",\"toolCallId\":\"call_1\",\"output\":{\"expression\":\"12*7\",\"result\":\"84\"},"
                        + "\"providerExecuted\":true}",
                "{\"type\":\"finish-step\"}",
                "{\"type\":\"start-step\"}",
                "{\"type\":\"text-start\",\"id\":\"text-2\"}",
                "{\"type\":\"text-delta\",\"id\":\"text-2\",\"delta\":\"It is 84.\"}",
                "{\"type\":\"text-end\",\"id\":\"text-2\"}",
                "{\"type\":\"data-agent\",\"id\":\"assistant\",\"data\":{\"agent\":\"assistant\",\"status\":\"completed\"}}",
                "{\"type\":\"finish-step\"}",
                "{\"type\":\"finish\",\"messageMetadata\":{\"status\":\"completed\",\"finishReason\":\"stop\","
                        + "\"usage\":{\"inputTokens\":20,\"outputTokens\":10}}}",
                "[DONE]"), payloads.subList(1, payloads.size()));
    }

    @Test
    void theDemoModelCallsTheCalculatorAsAToolPart() {
        var response = post(chat("demo-tools", "What is 12 * 7?", ",\"provider\":\"demo\",\"tools\":[\"calculator\"]"));
        List<String> payloads = payloads(response.body());
        JsonNode available = UiStream.json(payloads.stream().filter(p -> UiStream.type(p).equals("tool-input-available"))
                .findFirst().orElseThrow(() -> new AssertionError(response.body())));
        JsonNode output = UiStream.json(payloads.stream().filter(p -> UiStream.type(p).equals("tool-output-available")).findFirst().orElseThrow());
        assertEquals("calculator", available.get("toolName").asText());
        assertEquals("12 * 7", available.get("input").get("expression").asText());
        assertEquals(available.get("toolCallId"), output.get("toolCallId"));
        assertEquals("84", output.get("output").get("result").asText());
        String inputText = payloads.stream().filter(p -> UiStream.type(p).equals("tool-input-delta"))
                .map(p -> UiStream.json(p).get("inputTextDelta").asText()).collect(Collectors.joining());
        assertEquals(available.get("input"), UiStream.json(inputText), "the input deltas joined are the input");
        assertTrue(texts(payloads).endsWith("84."), texts(payloads));
        assertEquals(TestServer.json(server.get("/v1/runs/" + runId(response))).get("output").asText(), texts(payloads));
    }

    @Test
    void theDemoModelsAnswerIsTheRunsOutput() {
        var response = post(chat("demo-1", "What is streaming?", ",\"provider\":\"demo\",\"max_tokens\":5"));
        List<String> payloads = payloads(response.body());
        List<String> types = payloads.stream().map(UiStream::type).distinct().toList();
        assertEquals(List.of("start", "start-step", "data-agent", "text-start", "text-delta", "text-end", "finish-step",
                "finish", "[DONE]"), types);
        assertEquals(TestServer.json(server.get("/v1/runs/" + runId(response))).get("output").asText(), texts(payloads));
        JsonNode finish = UiStream.json(payloads.get(payloads.size() - 2));
        assertEquals("length", finish.get("messageMetadata").get("finishReason").asText(), "max_tokens cut it");
    }

    @Test
    void aResearchRunsOtherAgentsReasonItsSynthesizerAnswersAndCitationsAreSources() {
        var response = post(chat("research-1", "What is the difference between Kafka and Redis?",
                ",\"provider\":\"demo\",\"workflow\":\"research\",\"max_tokens\":60,\"documents\":[{\"title\":\"Kafka docs\",\"text\":\"Kafka is a log.\"},"
                        + "{\"title\":\"Redis docs\",\"text\":\"Redis is a store.\"}]"));
        List<String> payloads = payloads(response.body());
        var reasoningIds = new ArrayList<String>();
        var agents = new java.util.LinkedHashSet<String>();
        var sources = new ArrayList<String>();
        for (String p : payloads) {
            JsonNode c = UiStream.json(p.equals("[DONE]") ? "{}" : p);
            switch (c.path("type").asText()) {
                case "reasoning-start" -> reasoningIds.add(c.get("id").asText());
                case "data-agent" -> agents.add(c.get("id").asText());
                case "source-document" -> {
                    assertEquals("text/plain", c.get("mediaType").asText());
                    sources.add(c.get("sourceId").asText() + "=" + c.get("title").asText());
                }
                default -> { }
            }
        }
        // The planner and every researcher: one reasoning part each (the demo's plan is good the first time).
        assertTrue(agents.containsAll(List.of("planner", "researcher-1", "researcher-2", "synthesizer")), response.body());
        assertEquals(agents.size() - 1, reasoningIds.size(), "one reasoning part per agent but the synthesizer: " + reasoningIds);
        assertEquals(List.of("1=Kafka docs", "2=Redis docs"), sources, "each cited document once");
        assertEquals(TestServer.json(server.get("/v1/runs/" + runId(response))).get("output").asText(), texts(payloads),
                "the text parts are the synthesizer's answer");
        assertPartsNest(payloads);
    }

    @Test
    void aProviderThatFailsMidStreamEndsTheMessageWithAnErrorPart() {
        var response = post(chat("broken-1", "Hi", ",\"provider\":\"broken\""));
        List<String> types = payloads(response.body()).stream().map(UiStream::type).toList();
        assertEquals(List.of("start", "start-step", "data-agent", "text-start", "text-delta", "text-delta", "text-end",
                "data-agent", "data-agent", "error", "finish-step", "finish", "[DONE]"), types);
        List<String> payloads = payloads(response.body());
        JsonNode error = UiStream.json(payloads.get(types.indexOf("error")));
        assertTrue(error.get("errorText").asText().contains("scripted failure after 2 pieces"), error.toString());
        assertEquals("failed", UiStream.json(payloads.get(7)).get("data").get("status").asText());
        JsonNode finish = UiStream.json(payloads.get(types.indexOf("finish")));
        assertEquals("failed", finish.get("messageMetadata").get("status").asText());
        assertEquals("error", finish.get("messageMetadata").get("finishReason").asText());
    }

    /** The answering agents' text parts joined: the message's text. */
    static String texts(List<String> payloads) {
        return payloads.stream().filter(p -> UiStream.type(p).equals("text-delta"))
                .map(p -> UiStream.json(p).get("delta").asText()).collect(Collectors.joining());
    }

    /**
     * What the AI SDK's client insists on: a delta or end only for a part that is open, no part
     * open across a finish-step (the client forgets them there), every tool chunk after its start.
     */
    static void assertPartsNest(List<String> payloads) {
        var open = new java.util.HashSet<String>();
        var calls = new java.util.HashSet<String>();
        for (String p : payloads) {
            if (p.equals("[DONE]")) continue;
            JsonNode c = UiStream.json(p);
            String type = c.get("type").asText();
            if (type.endsWith("-start") && !type.startsWith("tool") && !type.equals("start-step")) {
                assertTrue(open.add(c.get("id").asText()), "opened twice: " + p);
            } else if (type.endsWith("-delta") && !type.startsWith("tool")) {
                assertTrue(open.contains(c.get("id").asText()), "delta of a part not open: " + p);
            } else if (type.endsWith("-end")) {
                assertTrue(open.remove(c.get("id").asText()), "end of a part not open: " + p);
            } else if (type.equals("finish-step")) {
                assertTrue(open.isEmpty(), "parts open at finish-step: " + open);
            } else if (type.equals("tool-input-start")) {
                assertTrue(calls.add(c.get("toolCallId").asText()), "a call started twice: " + p);
            } else if (type.startsWith("tool-")) {
                assertTrue(calls.contains(c.get("toolCallId").asText()), "a tool chunk before its start: " + p);
            }
        }
        assertFalse(payloads.isEmpty());
        assertTrue(open.isEmpty(), "parts never ended: " + open);
    }
}
