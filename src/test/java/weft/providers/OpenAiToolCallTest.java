package weft.providers;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import weft.testing.MockProvider;
import weft.testing.MockProvider.Chunking;
import weft.testing.MockProvider.Reply;
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
 * OpenAI function calling, straight at the provider: what it sends when tools are offered and
 * a conversation holds calls and results, and the parts it makes of {@code tool_calls} deltas
 * replayed in OpenAI's wire format, however the bytes are cut.
 */
class OpenAiToolCallTest {
    private static final String ONE_CALL = "openai/tool-call.sse";
    private static final String TWO_CALLS = "openai/parallel-tool-calls.sse";

    private static final String SEARCH = "call_Vq3mT8kXb2LpR7sN1dYfH4cE";
    /** The arguments as the model wrote them: JSON text with a raw ë, an escaped é and escaped quotes. */
    private static final String SEARCH_ARGUMENTS = "{\"query\":\"Zoë's note on caf\\u00e9 \\\"Le Procope\\\"\",\"limit\":3}";
    private static final String WEATHER = "call_kR8sW1nYc5TzQm3LvJ7pXb0H";
    private static final String TIME = "call_D2fHq9uNx4GaVe6KtZ1wMc8S";

    private MockProvider mock;
    private OpenAiProvider provider;

    @BeforeEach
    void start() {
        mock = MockProvider.start();
        provider = new OpenAiProvider(TestServer.patientProviderHttp(), mock.baseUrl() + "/v1", "sk-test", "gpt-test");
    }

    @AfterEach
    void stop() {
        mock.close();
    }

    // ---- one call, its arguments cut inside a string and inside escapes

    @Test
    void theOneCallFixtureCutsItsArgumentsInsideAStringAndInsideBothEscapes() {
        List<String> fragments = fixtureArguments(ONE_CALL).get(SEARCH);
        assertEquals(SEARCH_ARGUMENTS, String.join("", fragments));
        assertTrue(fragments.contains(" on caf"), "a cut inside the query string: " + fragments);
        assertTrue(fragments.stream().anyMatch(f -> f.endsWith("\\u00")), "a cut inside \\u00e9: " + fragments);
        assertTrue(fragments.stream().anyMatch(f -> f.endsWith("\\") && !f.endsWith("\\\\")), "a cut inside \\\": " + fragments);
    }

    @ParameterizedTest(name = "cut {0}")
    @EnumSource(Chunking.class)
    void oneCallIsStartEveryFragmentAsSentEndThenFinishWithToolCallsAndTheUsageChunk(Chunking chunking) throws Exception {
        mock.enqueue(Reply.fixture(ONE_CALL).chunking(chunking));

        assertEquals(oneCallParts(), stream(request()));
    }

    @Test
    void oneCallCutInsideEveryEscapeAndMultiByteCharacterJoinsToTheArgumentsAsWritten() throws Exception {
        int[] cuts = Wire.insideEscapesAndCharacters(Wire.fixture(ONE_CALL));
        mock.enqueue(Reply.fixture(ONE_CALL).splitAt(cuts));

        var completion = provider.complete(request(), part -> { });

        assertEquals(List.of(new ToolCall(SEARCH, "search_notes", SEARCH_ARGUMENTS)), completion.toolCalls());
        assertEquals("Zoë's note on café \"Le Procope\"",
                TestServer.JSON.readTree(completion.toolCalls().getFirst().arguments()).get("query").asText());
        assertEquals("", completion.text());
    }

    @Test
    void oneCallCutInsideEveryEscapeAndMultiByteCharacterStreamsTheSamePartsInOrder() throws Exception {
        mock.enqueue(Reply.fixture(ONE_CALL).splitAt(Wire.insideEscapesAndCharacters(Wire.fixture(ONE_CALL))));

        assertEquals(oneCallParts(), stream(request()));
    }

    // ---- text, then two calls written at once

    @ParameterizedTest(name = "cut {0}")
    @EnumSource(Chunking.class)
    void interleavedCallsKeepTheirFragmentsApartAndEndInIndexOrderBeforeFinish(Chunking chunking) throws Exception {
        mock.enqueue(Reply.fixture(TWO_CALLS).chunking(chunking));

        assertEquals(twoCallsParts(), stream(request()));
    }

    @ParameterizedTest(name = "cut {0}")
    @EnumSource(Chunking.class)
    void eachCallsJoinedFragmentsAreExactlyItsArgumentsInTheFixture(Chunking chunking) throws Exception {
        mock.enqueue(Reply.fixture(TWO_CALLS).chunking(chunking));

        var completion = provider.complete(request(), part -> { });

        var expected = new LinkedHashMap<String, String>();
        fixtureArguments(TWO_CALLS).forEach((id, fragments) -> expected.put(id, String.join("", fragments)));
        assertEquals(Map.of(WEATHER, "{\"city\":\"Paris\",\"unit\":\"celsius\"}", TIME, "{\"city\":\"Zürich\"}"), expected);
        assertEquals(List.of(new ToolCall(WEATHER, "get_weather", expected.get(WEATHER)),
                new ToolCall(TIME, "get_local_time", expected.get(TIME))), completion.toolCalls());
        assertEquals("Let me check both.", completion.text());
        assertEquals("tool_calls", completion.finishReason());
        assertEquals(new Usage(112, 51, false), completion.usage());
    }

    @Test
    void interleavedCallsCutInsideEveryEscapeAndMultiByteCharacterGiveTheSameParts() throws Exception {
        mock.enqueue(Reply.fixture(TWO_CALLS).splitAt(Wire.insideEscapesAndCharacters(Wire.fixture(TWO_CALLS))));

        assertEquals(twoCallsParts(), stream(request()));
    }

    // ---- servers that imitate OpenAI less closely

    @Test
    void callsWithoutIdsAreNamedByIndexAndAStreamWithoutFinishReasonStillEndsThemBeforeFinish() throws Exception {
        mock.enqueue(Reply.sse("""
                data: {"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"type":"function","function":{"name":"lookup","arguments":"{\\"q\\":"}}]}}]}

                data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"name":"clock","arguments":"{}"}},{"index":0,"function":{"arguments":"1}"}}]}}]}

                data: [DONE]

                """));

        var parts = stream(request());

        assertEquals(List.of(new Part.ToolCallStart("call_0", "lookup"), new Part.ToolCallArguments("call_0", "{\"q\":"),
                new Part.ToolCallStart("call_1", "clock"), new Part.ToolCallArguments("call_1", "{}"),
                new Part.ToolCallArguments("call_0", "1}"),
                new Part.ToolCallEnd("call_0"), new Part.ToolCallEnd("call_1")), parts.subList(0, parts.size() - 1));
        var finish = (Part.Finish) parts.getLast();
        assertEquals(null, finish.reason());
        assertTrue(finish.usage().estimated(), "no usage chunk: an estimate");
        assertTrue(finish.usage().outputTokens() > 0, "the arguments count as output");
    }

    // ---- what Weft sends

    @Test
    void toolsAndAHistoryOfCallsAndResultsAreSentInOpenAisShapes() throws Exception {
        mock.enqueue(Reply.fixture("openai/basic.sse"));
        var parameters = TestServer.JSON.readTree("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}");
        var tools = List.of(new ToolSpec("get_weather", "The weather in a city now", parameters),
                new ToolSpec("get_local_time", null, parameters));
        var history = List.of(
                ChatMessage.user("Weather in Paris and the time in Zürich?"),
                ChatMessage.assistant("", List.of(new ToolCall(WEATHER, "get_weather", "{\"city\":\"Paris\"}"))),
                ChatMessage.tool(new ToolResult(WEATHER, "get_weather", "{\"celsius\":18}", false)),
                ChatMessage.assistant("And the time:", List.of(new ToolCall(TIME, "get_local_time", "{\"city\":\"Zürich\"}"))),
                ChatMessage.tool(new ToolResult(TIME, "get_local_time", "no clock for Zürich", true)));

        provider.stream(new ModelRequest("gpt-test", "Be brief.", history, List.of(), null, tools), part -> { });

        JsonNode body = mock.requests().getFirst().json();
        assertEquals(TestServer.JSON.readTree("""
                [{"type":"function","function":{"name":"get_weather","description":"The weather in a city now",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                 {"type":"function","function":{"name":"get_local_time",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]
                """), body.get("tools"));
        assertEquals(TestServer.JSON.readTree("""
                [{"role":"system","content":"Be brief."},
                 {"role":"user","content":"Weather in Paris and the time in Zürich?"},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"call_kR8sW1nYc5TzQm3LvJ7pXb0H","type":"function",
                   "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                 {"role":"tool","tool_call_id":"call_kR8sW1nYc5TzQm3LvJ7pXb0H","content":"{\\"celsius\\":18}"},
                 {"role":"assistant","content":"And the time:","tool_calls":[{"id":"call_D2fHq9uNx4GaVe6KtZ1wMc8S","type":"function",
                   "function":{"name":"get_local_time","arguments":"{\\"city\\":\\"Zürich\\"}"}}]},
                 {"role":"tool","tool_call_id":"call_D2fHq9uNx4GaVe6KtZ1wMc8S","content":"no clock for Zürich"}]
                """), body.get("messages"));
    }

    @Test
    void aRequestWithoutToolsHasNoToolsFieldAndPlainMessages() throws Exception {
        mock.enqueue(Reply.fixture("openai/basic.sse"));

        provider.stream(new ModelRequest("gpt-test", null,
                List.of(ChatMessage.user("Hi"), ChatMessage.assistant(""), ChatMessage.user("Again")), List.of(), null), part -> { });

        JsonNode body = mock.requests().getFirst().json();
        assertFalse(body.has("tools"));
        assertEquals(TestServer.JSON.readTree("""
                [{"role":"user","content":"Hi"},{"role":"assistant","content":""},{"role":"user","content":"Again"}]
                """), body.get("messages"));
    }

    // ---- what the fixtures should give

    private static List<Part> oneCallParts() {
        var parts = new ArrayList<Part>();
        parts.add(new Part.ToolCallStart(SEARCH, "search_notes"));
        for (String f : fixtureArguments(ONE_CALL).get(SEARCH)) parts.add(new Part.ToolCallArguments(SEARCH, f));
        parts.add(new Part.ToolCallEnd(SEARCH));
        parts.add(new Part.Finish("tool_calls", new Usage(83, 24, false)));
        return parts;
    }

    private static List<Part> twoCallsParts() {
        return List.of(new Part.Text("Let"), new Part.Text(" me"), new Part.Text(" check"), new Part.Text(" both"), new Part.Text("."),
                new Part.ToolCallStart(WEATHER, "get_weather"), new Part.ToolCallArguments(WEATHER, "{\"ci"),
                new Part.ToolCallStart(TIME, "get_local_time"), new Part.ToolCallArguments(TIME, "{\"city\":\""),
                new Part.ToolCallArguments(WEATHER, "ty\":\"Par"), new Part.ToolCallArguments(TIME, "Zür"),
                new Part.ToolCallArguments(WEATHER, "is\",\"unit\":\"celsius\"}"), new Part.ToolCallArguments(TIME, "ich\"}"),
                new Part.ToolCallEnd(WEATHER), new Part.ToolCallEnd(TIME),
                new Part.Finish("tool_calls", new Usage(112, 51, false)));
    }

    // ---- helpers

    private static ModelRequest request() {
        return new ModelRequest("gpt-test", null, List.of(ChatMessage.user("Hi")), List.of(), null);
    }

    private List<Part> stream(ModelRequest request) throws IOException, InterruptedException {
        var parts = new ArrayList<Part>();
        provider.stream(request, parts::add);
        return parts;
    }

    /** Each call's {@code arguments} fragments as a client of OpenAI reads them, by call id, in order. */
    private static Map<String, List<String>> fixtureArguments(String name) {
        var idsByIndex = new LinkedHashMap<Integer, String>();
        var fragments = new LinkedHashMap<String, List<String>>();
        for (JsonNode chunk : Wire.data(Wire.fixture(name))) {
            for (JsonNode call : chunk.path("choices").path(0).path("delta").path("tool_calls")) {
                String id = idsByIndex.computeIfAbsent(call.get("index").asInt(), i -> call.get("id").asText());
                String arguments = call.path("function").path("arguments").asText("");
                if (!arguments.isEmpty()) fragments.computeIfAbsent(id, k -> new ArrayList<>()).add(arguments);
            }
        }
        return fragments;
    }
}
