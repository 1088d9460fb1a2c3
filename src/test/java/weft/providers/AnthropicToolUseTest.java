package weft.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import weft.testing.MockProvider;
import weft.testing.MockProvider.Chunking;
import weft.testing.MockProvider.Reply;
import weft.testing.SseStream;
import weft.testing.TestServer;
import weft.testing.Wire;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Anthropic tool use, straight at the provider: the parts it makes of {@code tool_use} blocks
 * and their {@code input_json_delta}s replayed in Anthropic's wire format, however the bytes
 * are cut, and what it sends when tools are offered and a conversation holds calls and
 * results. Last, one run over HTTP through the agent loop.
 */
class AnthropicToolUseTest {
    private static final String ONE_CALL = "anthropic/tool-use.sse";
    private static final String THREE_CALLS = "anthropic/parallel-tool-use.sse";

    private static final String SEARCH = "toolu_01Hx4RkQm8VzT2nJcW6bLpYd";
    /** The input as the model wrote it: JSON text with a raw ë, an escaped é and escaped quotes. */
    private static final String SEARCH_INPUT = "{\"query\": \"Zoë's note on caf\\u00e9 \\\"Le Procope\\\"\", \"limit\": 3}";
    private static final String WEATHER = "toolu_01Ak9WcYp3RmN6sLtE2fVxQb";
    private static final String TIME = "toolu_01Cz7DqLw5HvB3kXnJ8gTyMs";
    private static final String LOCATION = "toolu_01Fe2GrUj6PbY9tQmK4wZaNc";

    private MockProvider mock;
    private AnthropicProvider provider;

    @BeforeEach
    void start() {
        mock = MockProvider.start();
        provider = new AnthropicProvider(TestServer.patientProviderHttp(), mock.baseUrl(), "sk-ant-test", "claude-test");
    }

    @AfterEach
    void stop() {
        mock.close();
    }

    // ---- text, then one call, its input cut inside a string and inside escapes

    @Test
    void theOneCallFixtureCutsItsInputInsideAStringAndInsideBothEscapesAfterAnEmptyFirstPiece() {
        List<String> pieces = fixtureInput(ONE_CALL).get(SEARCH);
        assertEquals("", pieces.getFirst(), "Anthropic often begins with an empty partial_json");
        assertEquals(SEARCH_INPUT, String.join("", pieces));
        assertTrue(pieces.contains(" on caf"), "a cut inside the query string: " + pieces);
        assertTrue(pieces.stream().anyMatch(f -> f.endsWith("\\u00")), "a cut inside \\u00e9: " + pieces);
        assertTrue(pieces.stream().anyMatch(f -> f.endsWith("\\") && !f.endsWith("\\\\")), "a cut inside \\\": " + pieces);
    }

    @ParameterizedTest(name = "cut {0}")
    @EnumSource(Chunking.class)
    void oneToolUseIsTextThenStartEveryFragmentEndThenFinishWithToolUse(Chunking chunking) throws Exception {
        mock.enqueue(Reply.fixture(ONE_CALL).chunking(chunking));

        assertEquals(oneCallParts(), stream(request()));
    }

    @Test
    void oneToolUseCutInsideEveryEscapeAndMultiByteCharacterGivesTheSameParts() throws Exception {
        mock.enqueue(Reply.fixture(ONE_CALL).splitAt(Wire.insideEscapesAndCharacters(Wire.fixture(ONE_CALL))));

        assertEquals(oneCallParts(), stream(request()));
    }

    @Test
    void fragmentsJoinToExactlyTheJsonTheModelWrote() throws Exception {
        mock.enqueue(Reply.fixture(ONE_CALL).splitAt(Wire.insideEscapesAndCharacters(Wire.fixture(ONE_CALL))));

        var completion = provider.complete(request(), part -> { });

        assertEquals(List.of(new ToolCall(SEARCH, "search_notes", SEARCH_INPUT)), completion.toolCalls());
        assertEquals("Zoë's note on café \"Le Procope\"",
                TestServer.JSON.readTree(completion.toolCalls().getFirst().arguments()).get("query").asText());
        assertEquals("I'll look that up.", completion.text());
        assertEquals("tool_use", completion.finishReason(), "Anthropic's own stop reason, passed on");
        assertEquals(new Usage(618, 93, false), completion.usage());
    }

    // ---- text, then three calls, one of them without arguments

    @ParameterizedTest(name = "cut {0}")
    @EnumSource(Chunking.class)
    void threeBlocksGiveThreeCallsInOrderEachEndedWhenItsBlockStops(Chunking chunking) throws Exception {
        mock.enqueue(Reply.fixture(THREE_CALLS).chunking(chunking));

        assertEquals(List.of(new Part.Text("Checking"), new Part.Text(" both cities."),
                new Part.ToolCallStart(WEATHER, "get_weather"), new Part.ToolCallArguments(WEATHER, "{\"city\": \"Par"),
                new Part.ToolCallArguments(WEATHER, "is\", \"unit\""), new Part.ToolCallArguments(WEATHER, ": \"celsius\"}"),
                new Part.ToolCallEnd(WEATHER),
                new Part.ToolCallStart(TIME, "get_local_time"), new Part.ToolCallArguments(TIME, "{\"ci"),
                new Part.ToolCallArguments(TIME, "ty\": \"Zür"), new Part.ToolCallArguments(TIME, "ich\"}"),
                new Part.ToolCallEnd(TIME),
                new Part.ToolCallStart(LOCATION, "get_user_location"), new Part.ToolCallArguments(LOCATION, "{}"),
                new Part.ToolCallEnd(LOCATION),
                new Part.Finish("tool_use", new Usage(731, 142, false))), stream(request()));
    }

    @ParameterizedTest(name = "cut {0}")
    @EnumSource(Chunking.class)
    void eachCallsJoinedFragmentsAreItsInputInTheFixtureAndOnlyEmptyPiecesMeanEmptyObject(Chunking chunking) throws Exception {
        var written = new LinkedHashMap<String, String>();
        fixtureInput(THREE_CALLS).forEach((id, pieces) -> written.put(id, String.join("", pieces)));
        assertEquals(Map.of(WEATHER, "{\"city\": \"Paris\", \"unit\": \"celsius\"}", TIME, "{\"city\": \"Zürich\"}",
                LOCATION, ""), written, "the fixture's third call streams only an empty piece");
        mock.enqueue(Reply.fixture(THREE_CALLS).chunking(chunking));

        var completion = provider.complete(request(), part -> { });

        assertEquals(List.of(new ToolCall(WEATHER, "get_weather", written.get(WEATHER)),
                new ToolCall(TIME, "get_local_time", written.get(TIME)),
                new ToolCall(LOCATION, "get_user_location", "{}")), completion.toolCalls());
        for (ToolCall call : completion.toolCalls()) {
            assertTrue(TestServer.JSON.readTree(call.arguments()).isObject(), call.arguments());
        }
    }

    @Test
    void aToolUseWithoutInputFragmentsHasEmptyObjectArguments() throws Exception {
        mock.enqueue(Reply.sse(toolUseMessage("""
                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_01Qp3VnXr8KdT5wLsJ2mHcYb","name":"get_user_location","input":{}}}

                event: content_block_stop
                data: {"type":"content_block_stop","index":0}

                """)));

        assertEquals(List.of(new Part.ToolCallStart("toolu_01Qp3VnXr8KdT5wLsJ2mHcYb", "get_user_location"),
                new Part.ToolCallArguments("toolu_01Qp3VnXr8KdT5wLsJ2mHcYb", "{}"),
                new Part.ToolCallEnd("toolu_01Qp3VnXr8KdT5wLsJ2mHcYb")), withoutFinish(stream(request())));
    }

    @Test
    void aToolUseWhoseStartCarriesTheWholeInputAndNoFragmentsHasThatInput() throws Exception {
        // Some servers that imitate Anthropic put the whole input in the block's start.
        mock.enqueue(Reply.sse(toolUseMessage("""
                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Oslo"}}}

                event: content_block_stop
                data: {"type":"content_block_stop","index":0}

                """)));

        assertEquals(List.of(new Part.ToolCallStart("toolu_1", "get_weather"),
                new Part.ToolCallArguments("toolu_1", "{\"city\":\"Oslo\"}"), new Part.ToolCallEnd("toolu_1")),
                withoutFinish(stream(request())));
    }

    @Test
    void aBlockThatNeverSaysItStoppedIsEndedBeforeFinishAndAToolUseWithoutIdIsNamedByItsIndex() throws Exception {
        mock.enqueue(Reply.sse(toolUseMessage("""
                event: content_block_start
                data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","name":"lookup","input":{}}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"q\\":1}"}}

                """)));

        var parts = stream(request());

        assertEquals(List.of(new Part.ToolCallStart("toolu_2", "lookup"), new Part.ToolCallArguments("toolu_2", "{\"q\":1}"),
                new Part.ToolCallEnd("toolu_2")), withoutFinish(parts));
        assertEquals("tool_use", ((Part.Finish) parts.getLast()).reason());
    }

    @Test
    void serverToolUseBlocksAreAnthropicsOwnAndNotCallsForWeft() throws Exception {
        mock.enqueue(Reply.sse(toolUseMessage("""
                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"srvtoolu_01WYG3ziw53XMcoyKL4XcZmE","name":"web_search","input":{}}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"query\\": \\"weather Paris\\"}"}}

                event: content_block_stop
                data: {"type":"content_block_stop","index":0}

                """)));

        assertEquals(List.of(), withoutFinish(stream(request())));
    }

    @Test
    void withoutUsageTheEstimateCountsTheArgumentsAsOutput() throws Exception {
        var wire = new StringBuilder();
        for (JsonNode event : Wire.data(Wire.fixture(ONE_CALL))) {
            ((ObjectNode) event).remove("usage");
            if (event.has("message")) ((ObjectNode) event.get("message")).remove("usage");
            wire.append("event: ").append(event.get("type").asText()).append("\ndata: ").append(event).append("\n\n");
        }
        assertFalse(wire.toString().contains("\"usage\""), wire.toString());
        mock.enqueue(Reply.sse(wire.toString()));

        var finish = (Part.Finish) stream(request()).getLast();

        String prompt = AnthropicProvider.promptText(AnthropicProvider.body(request(), "claude-test"));
        assertEquals(new Usage(Usage.estimateTokens(prompt),
                Usage.estimateTokens("I'll look that up.") + Usage.estimateTokens(SEARCH_INPUT), true), finish.usage());
    }

    // ---- what Weft sends

    @Test
    void requestOffersToolsAsInputSchema() throws Exception {
        mock.enqueue(Reply.fixture("anthropic/basic.sse"));
        var parameters = TestServer.JSON.readTree("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}");

        provider.stream(request().withTools(List.of(new ToolSpec("get_weather", "The weather in a city now", parameters),
                new ToolSpec("get_local_time", null, parameters), new ToolSpec("get_user_location", "Where the user is", null))), part -> { });

        assertEquals(TestServer.JSON.readTree("""
                [{"name":"get_weather","description":"The weather in a city now",
                  "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
                 {"name":"get_local_time",
                  "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
                 {"name":"get_user_location","description":"Where the user is","input_schema":{"type":"object"}}]
                """), mock.requests().getFirst().json().get("tools"));
    }

    @Test
    void historySendsToolUseAndOneUserMessageOfToolResults() throws Exception {
        mock.enqueue(Reply.fixture("anthropic/basic.sse"));
        var history = List.of(
                ChatMessage.user("Weather in Paris and the time in Zürich?"),
                ChatMessage.assistant("Checking both cities.", List.of(
                        new ToolCall(WEATHER, "get_weather", "{\"city\": \"Paris\", \"unit\": \"celsius\"}"),
                        new ToolCall(TIME, "get_local_time", "{\"city\": \"Zürich\"}"))),
                ChatMessage.tool(new ToolResult(WEATHER, "get_weather", "{\"celsius\":18}", false)),
                ChatMessage.tool(new ToolResult(TIME, "get_local_time", "{\"time\":\"14:05\"}", false)),
                ChatMessage.assistant("", List.of(new ToolCall(LOCATION, "get_user_location", "{}"))),
                ChatMessage.tool(new ToolResult(LOCATION, "get_user_location", "\"Lyon\"", false)),
                ChatMessage.assistant("18 °C in Paris, 14:05 in Zürich; you are in Lyon."),
                ChatMessage.user("Thanks!"));

        provider.stream(new ModelRequest(null, "Be brief.", history, List.of(), null), part -> { });

        JsonNode body = mock.requests().getFirst().json();
        assertEquals("Be brief.", body.get("system").asText());
        assertEquals(TestServer.JSON.readTree("""
                [{"role":"user","content":"Weather in Paris and the time in Zürich?"},
                 {"role":"assistant","content":[{"type":"text","text":"Checking both cities."},
                   {"type":"tool_use","id":"toolu_01Ak9WcYp3RmN6sLtE2fVxQb","name":"get_weather","input":{"city":"Paris","unit":"celsius"}},
                   {"type":"tool_use","id":"toolu_01Cz7DqLw5HvB3kXnJ8gTyMs","name":"get_local_time","input":{"city":"Zürich"}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"toolu_01Ak9WcYp3RmN6sLtE2fVxQb","content":"{\\"celsius\\":18}"},
                   {"type":"tool_result","tool_use_id":"toolu_01Cz7DqLw5HvB3kXnJ8gTyMs","content":"{\\"time\\":\\"14:05\\"}"}]},
                 {"role":"assistant","content":[
                   {"type":"tool_use","id":"toolu_01Fe2GrUj6PbY9tQmK4wZaNc","name":"get_user_location","input":{}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"toolu_01Fe2GrUj6PbY9tQmK4wZaNc","content":"\\"Lyon\\""}]},
                 {"role":"assistant","content":"18 °C in Paris, 14:05 in Zürich; you are in Lyon."},
                 {"role":"user","content":"Thanks!"}]
                """), body.get("messages"));
    }

    @Test
    void anErrorResultIsMarkedIsErrorAndOnlyAnErrorResult() throws Exception {
        mock.enqueue(Reply.fixture("anthropic/basic.sse"));

        provider.stream(conversation(List.of(new ToolCall(WEATHER, "get_weather", "{\"city\":\"Paris\"}"),
                        new ToolCall(TIME, "get_local_time", "{\"city\":\"Zürich\"}")),
                new ToolResult(WEATHER, "get_weather", "{\"celsius\":18}", false),
                new ToolResult(TIME, "get_local_time", "tool_timeout: no answer within 30s", true)), part -> { });

        assertEquals(TestServer.JSON.readTree("""
                {"role":"user","content":[
                  {"type":"tool_result","tool_use_id":"toolu_01Ak9WcYp3RmN6sLtE2fVxQb","content":"{\\"celsius\\":18}"},
                  {"type":"tool_result","tool_use_id":"toolu_01Cz7DqLw5HvB3kXnJ8gTyMs","content":"tool_timeout: no answer within 30s","is_error":true}]}
                """), mock.requests().getFirst().json().get("messages").get(2));
    }

    @Test
    void aUserMessageAfterToolResultsJoinsTheirTurnAsTextAfterThem() throws Exception {
        mock.enqueue(Reply.fixture("anthropic/basic.sse"));
        // The answer after the results failed before its first token: empty, so left out.
        var history = List.of(ChatMessage.user("Weather?"),
                ChatMessage.assistant("", List.of(new ToolCall(WEATHER, "get_weather", "{\"city\":\"Paris\"}"))),
                ChatMessage.tool(new ToolResult(WEATHER, "get_weather", "{\"celsius\":18}", false)),
                ChatMessage.assistant(""), ChatMessage.user("Hello?"));

        provider.stream(new ModelRequest(null, null, history, List.of(), null), part -> { });

        assertEquals(TestServer.JSON.readTree("""
                [{"role":"user","content":"Weather?"},
                 {"role":"assistant","content":[{"type":"tool_use","id":"toolu_01Ak9WcYp3RmN6sLtE2fVxQb","name":"get_weather","input":{"city":"Paris"}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"toolu_01Ak9WcYp3RmN6sLtE2fVxQb","content":"{\\"celsius\\":18}"},
                   {"type":"text","text":"Hello?"}]}]
                """), mock.requests().getFirst().json().get("messages"));
    }

    @Test
    void anEmptyResultIsNeverLeftOutForAnthropicRefusesACallWithoutOne() {
        var turns = AnthropicProvider.alternating(List.of(ChatMessage.user("Weather?"),
                ChatMessage.assistant("", List.of(new ToolCall(WEATHER, "get_weather", "{}"))),
                ChatMessage.tool(new ToolResult(WEATHER, "get_weather", "", false)), ChatMessage.assistant("Done.")));

        assertEquals(List.of(AnthropicProvider.Turn.text(ChatMessage.Role.USER, "Weather?"),
                new AnthropicProvider.Turn(ChatMessage.Role.ASSISTANT, "", List.of(new ToolCall(WEATHER, "get_weather", "{}")), List.of()),
                new AnthropicProvider.Turn(ChatMessage.Role.USER, "", List.of(), List.of(new ToolResult(WEATHER, "get_weather", "", false))),
                AnthropicProvider.Turn.text(ChatMessage.Role.ASSISTANT, "Done.")), turns);
    }

    @Test
    void argumentsThatAreNotAJsonObjectGoBackAsAnEmptyInput() throws Exception {
        mock.enqueue(Reply.fixture("anthropic/basic.sse"));

        provider.stream(conversation(List.of(new ToolCall("toolu_a", "get_weather", "{\"city\":"),
                        new ToolCall("toolu_b", "get_weather", "[\"Paris\"]"), new ToolCall("toolu_c", "get_weather", "")),
                new ToolResult("toolu_a", "get_weather", "invalid_arguments", true),
                new ToolResult("toolu_b", "get_weather", "invalid_arguments", true),
                new ToolResult("toolu_c", "get_weather", "invalid_arguments", true)), part -> { });

        JsonNode assistant = mock.requests().getFirst().json().get("messages").get(1);
        assertEquals(List.of("{}", "{}", "{}"), blocks(assistant, "tool_use").stream().map(b -> b.get("input").toString()).toList());
    }

    @Test
    void aRequestWithoutToolsHasNoToolsFieldAndPlainStringContent() throws Exception {
        mock.enqueue(Reply.fixture("anthropic/basic.sse"));

        provider.stream(new ModelRequest(null, null,
                List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello."), ChatMessage.user("Again")), List.of(), null), part -> { });

        JsonNode body = mock.requests().getFirst().json();
        assertFalse(body.has("tools"));
        assertEquals(TestServer.JSON.readTree("""
                [{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."},{"role":"user","content":"Again"}]
                """), body.get("messages"));
    }

    @Test
    void theInputEstimateReadsToolInputsAndResults() {
        var body = AnthropicProvider.body(conversation(List.of(new ToolCall(WEATHER, "get_weather", "{\"city\": \"Paris\"}")),
                new ToolResult(WEATHER, "get_weather", "{\"celsius\":18}", false)), "claude-test");

        assertEquals("Be brief.\nWeather?\nLet me look.\n{\"city\":\"Paris\"}\n{\"celsius\":18}", AnthropicProvider.promptText(body));
    }

    // ---- the agent loop over HTTP

    @Test
    void aRunWithAClientToolStreamsTheCallWaitsForItsResultAndSendsItBackToAnthropic() throws Exception {
        String tool = """
                {"type":"function","name":"search_notes","description":"Search the user's notes",
                 "parameters":{"type":"object","properties":{"query":{"type":"string"},"limit":{"type":"integer"}},"required":["query"]}}""";
        mock.enqueue(Reply.fixture(ONE_CALL).chunking(Chunking.PER_BYTE));
        mock.enqueue(Reply.fixture("anthropic/basic.sse"));
        try (var server = TestServer.start(provider);
             var stream = server.streamRun("{\"input\":\"Find my note\",\"provider\":\"anthropic\",\"tools\":[" + tool + "]}")) {
            var events = new ArrayList<SseStream.Event>();
            do events.add(stream.nextEvent()); while (!events.getLast().type().equals("tool_call"));
            String runId = events.getFirst().text("run_id");
            var ok = server.post("/v1/runs/" + runId + "/tool_results",
                    "{\"results\":[{\"call_id\":\"" + SEARCH + "\",\"result\":{\"notes\":[\"Voltaire drank coffee here\"]}}]}");
            assertEquals(202, ok.statusCode(), ok.body());
            events.addAll(stream.readToDone());

            assertEquals(fixtureInput(ONE_CALL).get(SEARCH).stream().filter(f -> !f.isEmpty()).toList(),
                    ofType(events, "tool_call_delta").stream().map(e -> e.text("arguments_delta")).toList());
            var call = ofType(events, "tool_call").getFirst();
            assertEquals(SEARCH, call.text("call_id"));
            assertEquals("search_notes", call.text("name"));
            assertEquals("client", call.text("executor"));
            assertEquals(TestServer.JSON.readTree(SEARCH_INPUT), call.data().get("arguments"));
            assertEquals(SEARCH, ofType(events, "tool_result").getFirst().text("call_id"));
            assertEquals("completed", events.getLast().text("status"));
            assertTrue(events.getLast().text("output").startsWith("I'll look that up."), events.getLast().text("output"));
        }

        assertEquals(2, mock.requests().size());
        JsonNode first = mock.requests().getFirst().json();
        assertEquals("search_notes", first.get("tools").get(0).get("name").asText());
        JsonNode second = mock.requests().get(1).json().get("messages");
        assertEquals(3, second.size(), second.toString());
        assertEquals(TestServer.JSON.readTree("""
                {"role":"assistant","content":[{"type":"text","text":"I'll look that up."},
                  {"type":"tool_use","id":"toolu_01Hx4RkQm8VzT2nJcW6bLpYd","name":"search_notes",
                   "input":{"query":"Zoë's note on café \\"Le Procope\\"","limit":3}}]}
                """), second.get(1));
        JsonNode result = second.get(2);
        assertEquals("user", result.get("role").asText());
        assertEquals(List.of(SEARCH), blocks(result, "tool_result").stream().map(b -> b.get("tool_use_id").asText()).toList());
        assertEquals(TestServer.JSON.readTree("{\"notes\":[\"Voltaire drank coffee here\"]}"),
                TestServer.JSON.readTree(blocks(result, "tool_result").getFirst().get("content").asText()));
    }

    // ---- what the fixtures should give

    private static List<Part> oneCallParts() {
        var parts = new ArrayList<Part>(List.of(new Part.Text("I'll"), new Part.Text(" look that up."),
                new Part.ToolCallStart(SEARCH, "search_notes")));
        for (String f : fixtureInput(ONE_CALL).get(SEARCH)) if (!f.isEmpty()) parts.add(new Part.ToolCallArguments(SEARCH, f));
        parts.add(new Part.ToolCallEnd(SEARCH));
        parts.add(new Part.Finish("tool_use", new Usage(618, 93, false)));
        return parts;
    }

    // ---- helpers

    private static ModelRequest request() {
        return new ModelRequest(null, null, List.of(ChatMessage.user("Hi")), List.of(), null);
    }

    /** A question, an answer that called tools, their results. */
    private static ModelRequest conversation(List<ToolCall> calls, ToolResult... results) {
        var history = new ArrayList<>(List.of(ChatMessage.user("Weather?"), ChatMessage.assistant("Let me look.", calls)));
        for (ToolResult r : results) history.add(ChatMessage.tool(r));
        return new ModelRequest(null, "Be brief.", history, List.of(), null);
    }

    /** A whole answer around the given content block events, as Anthropic frames one. */
    private static String toolUseMessage(String blocks) {
        return """
                event: message_start
                data: {"type":"message_start","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_01RbT6wQz2XkV8nLcJ4pHsYe","type":"message","role":"assistant","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":402,"output_tokens":2}}}

                """ + blocks + """
                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":31}}

                event: message_stop
                data: {"type":"message_stop"}

                """;
    }

    private List<Part> stream(ModelRequest request) throws IOException, InterruptedException {
        var parts = new ArrayList<Part>();
        provider.stream(request, parts::add);
        return parts;
    }

    private static List<Part> withoutFinish(List<Part> parts) {
        assertTrue(parts.getLast() instanceof Part.Finish, "the last part is the Finish: " + parts);
        return parts.subList(0, parts.size() - 1);
    }

    private static List<JsonNode> blocks(JsonNode message, String type) {
        var found = new ArrayList<JsonNode>();
        message.get("content").forEach(b -> { if (b.path("type").asText().equals(type)) found.add(b); });
        return found;
    }

    private static List<SseStream.Event> ofType(List<SseStream.Event> events, String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    /** Each tool_use block's {@code partial_json} pieces as a client of Anthropic reads them, empty ones too, by id, in order. */
    private static Map<String, List<String>> fixtureInput(String name) {
        var idsByIndex = new LinkedHashMap<Integer, String>();
        var pieces = new LinkedHashMap<String, List<String>>();
        for (JsonNode event : Wire.data(Wire.fixture(name))) {
            int index = event.path("index").asInt();
            JsonNode block = event.path("content_block");
            if (event.path("type").asText().equals("content_block_start") && block.path("type").asText().equals("tool_use")) {
                idsByIndex.put(index, block.get("id").asText());
                pieces.put(block.get("id").asText(), new ArrayList<>());
            }
            JsonNode delta = event.path("delta");
            if (delta.path("type").asText().equals("input_json_delta")) {
                pieces.get(idsByIndex.get(index)).add(delta.get("partial_json").asText());
            }
        }
        return pieces;
    }
}
