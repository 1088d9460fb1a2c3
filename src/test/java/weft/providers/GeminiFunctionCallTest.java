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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gemini function calling, straight at the provider: the parts it makes of {@code functionCall}
 * parts replayed in Gemini's wire format however the bytes are cut, and what it sends when tools
 * are offered and a conversation holds calls and results.
 */
class GeminiFunctionCallTest {
    private static final String ONE_CALL = "gemini/function-call.sse";
    private static final String PARALLEL = "gemini/parallel-function-calls.sse";

    /** Gemini gave no ids: they are made of the answer's responseId and the call's place in it. */
    private static final String SEARCH = "call_Kp3saNnYJbWk1MkPzqWT8AQ_0";
    private static final String SEARCH_ARGUMENTS = "{\"query\":\"Zoë's note on café \\\"Le Procope\\\"\",\"limit\":3}";
    private static final String SEARCH_SIGNATURE = "CtEBAePx/14Tq3S2m3rY7kqgwRZ0mYb6o9VnJ1aH8wXcL2pE5tQf0sK7uD4vN9bZ6yG3hM1jR8xW2eA5cT0iU7oP4lS9dF6gH3kJ1z"
            + "X8vB5nM2qL7wE0rT4yU9iO6pA3sD8fG1hJ5kL2zX7cV4bN9mQ0wE3rT6yU1iO8pA5sD2fG7hJ4kL9zX0cV3bN6mQ==";
    private static final String WEATHER = "call_u8rsaP2xDM6z1MkP4PKJ-Ak_0";
    private static final String TIME = "call_u8rsaP2xDM6z1MkP4PKJ-Ak_1";
    private static final String ALERTS = "call_u8rsaP2xDM6z1MkP4PKJ-Ak_2";
    private static final String WEATHER_SIGNATURE = "CpwBAePx/16h2Nw8sLq0vR3tY5uI7oP9aS1dF4gH6jK8lZ2xC5vB7nM0qW3eR6tY9uI2oP5aS8dF1gH4jK7l"
            + "Z0xC3vB6nM9qW2eR5tY8uI1oP4aS7dF0gH3jK6lZ9xC2vB5nM8qW1eR4tY7uI0oP3aS6dF9gH2jK5lA==";

    private MockProvider mock;
    private GeminiProvider provider;

    @BeforeEach
    void start() {
        mock = MockProvider.start();
        provider = new GeminiProvider(TestServer.patientProviderHttp(), mock.baseUrl(), "gm-test", "gemini-test");
    }

    @AfterEach
    void stop() {
        mock.close();
    }

    // ---- one call after some text

    @ParameterizedTest(name = "cut {0}")
    @EnumSource(Chunking.class)
    void oneFunctionCallIsStartWholeArgumentsEndThenFinish(Chunking chunking) throws Exception {
        mock.enqueue(Reply.fixture(ONE_CALL).chunking(chunking));

        assertEquals(oneCallParts(), stream(request()));
    }

    @Test
    void oneFunctionCallCutInsideEveryEscapeMultiByteCharacterAndCrlfGivesTheSameParts() throws Exception {
        mock.enqueue(Reply.fixture(ONE_CALL).splitAt(awkwardOffsets(fixtureBytes(ONE_CALL))));

        assertEquals(oneCallParts(), stream(request()));
    }

    @Test
    void theCallsArgumentsAreItsArgsAsCompactJsonWithEveryCharacterIntact() throws Exception {
        mock.enqueue(Reply.fixture(ONE_CALL));

        var completion = provider.complete(request(), part -> { });

        assertEquals(List.of(new ToolCall(SEARCH, "search_notes", SEARCH_ARGUMENTS, SEARCH_SIGNATURE)), completion.toolCalls());
        JsonNode arguments = TestServer.JSON.readTree(completion.toolCalls().getFirst().arguments());
        assertEquals("Zoë's note on café \"Le Procope\"", arguments.get("query").asText());
        assertEquals("I'll look that up in your notes.", completion.text());
        // Gemini says STOP whether or not the model called: the calls are what tell.
        assertEquals("stop", completion.finishReason());
    }

    // ---- several calls, in one candidate and in the next event

    @ParameterizedTest(name = "cut {0}")
    @EnumSource(Chunking.class)
    void twoFunctionCallsInOneCandidateGiveTwoCallsInOrder(Chunking chunking) throws Exception {
        mock.enqueue(Reply.fixture(PARALLEL).chunking(chunking));

        assertEquals(List.of(new Part.Text("Let me check the weather, the time and any alerts."),
                new Part.ToolCallStart(WEATHER, "get_weather", WEATHER_SIGNATURE),
                new Part.ToolCallArguments(WEATHER, "{\"city\":\"Paris\",\"unit\":\"celsius\"}"),
                new Part.ToolCallEnd(WEATHER),
                new Part.ToolCallStart(TIME, "get_local_time"),
                new Part.ToolCallArguments(TIME, "{\"city\":\"Zürich\"}"),
                new Part.ToolCallEnd(TIME),
                new Part.ToolCallStart(ALERTS, "list_alerts"),
                new Part.ToolCallArguments(ALERTS, "{}"),
                new Part.ToolCallEnd(ALERTS),
                new Part.Finish("stop", new Usage(141, 47 + 232, false))), stream(request()));
    }

    @Test
    void aCallWithoutArgsHasEmptyObjectArguments() throws Exception {
        mock.enqueue(Reply.fixture(PARALLEL));

        var completion = provider.complete(request(), part -> { });

        assertEquals(new ToolCall(ALERTS, "list_alerts", "{}"), completion.toolCalls().getLast());
        assertEquals(3, completion.toolCalls().size());
    }

    // ---- ids

    @Test
    void aCallWithGeminisOwnIdKeepsIt() throws Exception {
        mock.enqueue(Reply.sse("data: {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"id\": \"fc-7q2w\","
                + "\"name\": \"clock\",\"args\": {}}}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],"
                + "\"responseId\": \"AbC\"}\r\n\r\n"));

        var parts = stream(request());

        assertEquals(List.of(new Part.ToolCallStart("fc-7q2w", "clock"), new Part.ToolCallArguments("fc-7q2w", "{}"),
                new Part.ToolCallEnd("fc-7q2w")), parts.subList(0, 3));
    }

    @Test
    void withoutAResponseIdCallsAreNumberedOnFromThoseAlreadyInTheConversation() throws Exception {
        // Numbering from 0 in every answer would give the run's second answer the first one's ids.
        mock.enqueue(Reply.sse("data: {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"name\": \"clock\"}},"
                + "{\"functionCall\": {\"name\": \"clock\",\"args\": {\"timezone\": \"Asia/Tokyo\"}}}],\"role\": \"model\"},"
                + "\"finishReason\": \"STOP\",\"index\": 0}]}\r\n\r\n"));
        var history = List.of(ChatMessage.user("Time here, then in Tokyo?"),
                ChatMessage.assistant("", List.of(new ToolCall("call_0", "clock", "{}"))),
                ChatMessage.tool(new ToolResult("call_0", "clock", "{\"time\":\"09:00\"}", false)));

        var completion = provider.complete(new ModelRequest("gemini-test", null, history, List.of(), null), part -> { });

        assertEquals(List.of(new ToolCall("call_1", "clock", "{}"), new ToolCall("call_2", "clock", "{\"timezone\":\"Asia/Tokyo\"}")),
                completion.toolCalls());
    }

    // ---- what Weft sends

    @Test
    void requestDeclaresFunctionsWithoutSchemaKeywordsGeminiRefuses() throws Exception {
        mock.enqueue(Reply.fixture("gemini/basic.sse"));
        JsonNode parameters = TestServer.JSON.readTree("""
                {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://example.com/notes",
                 "type":"object","additionalProperties":false,"$defs":{"tag":{"type":"string"}},
                 "properties":{
                   "query":{"type":"string","description":"Words to look for","minLength":1},
                   "limit":{"type":["integer","null"],"minimum":1,"maximum":10,"default":3},
                   "since":{"type":"string","format":"date-time"},
                   "link":{"type":"string","format":"uri","const":"x"},
                   "additionalProperties":{"type":"boolean","description":"a property of that name is a name, not a keyword"},
                   "tags":{"type":"array","items":{"$ref":"#/$defs/tag","type":"string","enum":["work","home"]},"uniqueItems":true},
                   "filter":{"type":"object","additionalProperties":{"type":"string"},
                             "properties":{"author":{"type":"string","examples":["Zoë"]}},"required":["author"]},
                   "source":{"anyOf":[{"type":"string","pattern":"^[a-z]+$"},{"type":"integer","exclusiveMinimum":0}]}},
                 "required":["query"]}
                """);
        JsonNode untouched = parameters.deepCopy();
        var tools = List.of(new ToolSpec("search_notes", "Searches the user's notes", parameters),
                new ToolSpec("list_alerts", null, TestServer.JSON.readTree("{\"type\":\"object\",\"properties\":{}}")),
                new ToolSpec("ping", "Says pong", null));

        provider.stream(request().withTools(tools), part -> { });

        assertEquals(TestServer.JSON.readTree("""
                [{"functionDeclarations":[
                  {"name":"search_notes","description":"Searches the user's notes","parameters":
                    {"type":"object",
                     "properties":{
                       "query":{"type":"string","description":"Words to look for","minLength":1},
                       "limit":{"type":"integer","nullable":true,"minimum":1,"maximum":10,"default":3},
                       "since":{"type":"string","format":"date-time"},
                       "link":{"type":"string"},
                       "additionalProperties":{"type":"boolean","description":"a property of that name is a name, not a keyword"},
                       "tags":{"type":"array","items":{"type":"string","enum":["work","home"]}},
                       "filter":{"type":"object","properties":{"author":{"type":"string"}},"required":["author"]},
                       "source":{"anyOf":[{"type":"string","pattern":"^[a-z]+$"},{"type":"integer"}]}},
                     "required":["query"]}},
                  {"name":"list_alerts"},
                  {"name":"ping","description":"Says pong"}]}]
                """), mock.requests().getFirst().json().get("tools"));
        assertEquals(untouched, parameters, "the caller's schema must not change");
    }

    @Test
    void aRequestWithoutToolsHasNoToolsField() throws Exception {
        mock.enqueue(Reply.fixture("gemini/basic.sse"));

        provider.stream(request(), part -> { });

        JsonNode body = mock.requests().getFirst().json();
        assertFalse(body.has("tools"), body.toString());
        assertEquals(TestServer.JSON.readTree("[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"}]}]"), body.get("contents"));
    }

    @Test
    void historySendsFunctionCallsAndOneUserTurnOfFunctionResponses() throws Exception {
        mock.enqueue(Reply.fixture("gemini/basic.sse"));
        var history = List.of(
                ChatMessage.user("Weather in Paris and the time in Zürich?"),
                ChatMessage.assistant("", List.of(new ToolCall(WEATHER, "get_weather", "{\"city\":\"Paris\"}", WEATHER_SIGNATURE),
                        new ToolCall(TIME, "get_local_time", "{\"city\":\"Zürich\"}"))),
                ChatMessage.tool(new ToolResult(WEATHER, "get_weather", "{\"celsius\":18}", false)),
                ChatMessage.tool(new ToolResult(TIME, "get_local_time", "{\"time\":\"14:05\"}", false)),
                ChatMessage.assistant("18 °C in Paris; 14:05 in Zürich."),
                ChatMessage.user("Any alerts?"),
                ChatMessage.assistant("Checking.", List.of(new ToolCall(ALERTS, "list_alerts", "not json"))),
                // A result stored without its name (as an old session may hold it) is named by its call.
                ChatMessage.tool(new ToolResult(ALERTS, "", "{\"alerts\":[]}", false)));

        provider.stream(new ModelRequest("gemini-test", null, history, List.of(), null), part -> { });

        assertEquals(TestServer.JSON.readTree("""
                [{"role":"user","parts":[{"text":"Weather in Paris and the time in Zürich?"}]},
                 {"role":"model","parts":[
                   {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"%s"},
                   {"functionCall":{"name":"get_local_time","args":{"city":"Zürich"}}}]},
                 {"role":"user","parts":[
                   {"functionResponse":{"name":"get_weather","response":{"celsius":18}}},
                   {"functionResponse":{"name":"get_local_time","response":{"time":"14:05"}}}]},
                 {"role":"model","parts":[{"text":"18 °C in Paris; 14:05 in Zürich."}]},
                 {"role":"user","parts":[{"text":"Any alerts?"}]},
                 {"role":"model","parts":[{"text":"Checking."},{"functionCall":{"name":"list_alerts","args":{}}}]},
                 {"role":"user","parts":[{"functionResponse":{"name":"list_alerts","response":{"alerts":[]}}}]}]
                """.formatted(WEATHER_SIGNATURE)), mock.requests().getFirst().json().get("contents"));
    }

    @Test
    void aCallStreamedFromGeminiGoesBackWithItsThoughtSignature() throws Exception {
        mock.enqueue(Reply.fixture(ONE_CALL));
        mock.enqueue(Reply.fixture("gemini/basic.sse"));
        var first = provider.complete(request(), part -> { });

        provider.stream(request().continued(List.of(ChatMessage.assistant(first.text(), first.toolCalls()),
                ChatMessage.tool(new ToolResult(SEARCH, "search_notes", "[]", false)))), part -> { });

        assertEquals(TestServer.JSON.readTree("""
                {"role":"model","parts":[{"text":"I'll look that up in your notes."},
                  {"functionCall":{"name":"search_notes","args":{"query":"Zoë's note on café \\"Le Procope\\"","limit":3}},
                   "thoughtSignature":"%s"}]}
                """.formatted(SEARCH_SIGNATURE)), mock.requests().getLast().json().get("contents").get(1));
    }

    @Test
    void aNonObjectResultIsWrappedInAnObject() throws Exception {
        mock.enqueue(Reply.fixture("gemini/basic.sse"));
        var calls = List.of(new ToolCall("a", "f", "{}"), new ToolCall("b", "f", "{}"), new ToolCall("c", "f", "{}"),
                new ToolCall("d", "f", "{}"), new ToolCall("e", "f", "{}"));
        var history = new ArrayList<>(List.of(ChatMessage.user("Go"), ChatMessage.assistant("", calls)));
        for (var result : List.of(new ToolResult("a", "f", "18", false), new ToolResult("b", "f", "\"sunny\"", false),
                new ToolResult("c", "f", "[1,2]", false), new ToolResult("d", "f", "null", false),
                new ToolResult("e", "f", "not JSON at all", false))) {
            history.add(ChatMessage.tool(result));
        }

        provider.stream(new ModelRequest("gemini-test", null, history, List.of(), null), part -> { });

        assertEquals(TestServer.JSON.readTree("""
                {"role":"user","parts":[
                  {"functionResponse":{"name":"f","response":{"result":18}}},
                  {"functionResponse":{"name":"f","response":{"result":"sunny"}}},
                  {"functionResponse":{"name":"f","response":{"result":[1,2]}}},
                  {"functionResponse":{"name":"f","response":{"result":null}}},
                  {"functionResponse":{"name":"f","response":{"result":"not JSON at all"}}}]}
                """), mock.requests().getFirst().json().get("contents").get(2));
    }

    @Test
    void anErrorResultIsSentAsError() throws Exception {
        mock.enqueue(Reply.fixture("gemini/basic.sse"));
        var history = List.of(ChatMessage.user("Time in Zürich?"),
                ChatMessage.assistant("", List.of(new ToolCall(TIME, "get_local_time", "{\"city\":\"Zürich\"}"))),
                ChatMessage.tool(new ToolResult(TIME, "get_local_time", "{\"looks\":\"like JSON\"} but no clock for Zürich", true)));

        provider.stream(new ModelRequest("gemini-test", null, history, List.of(), null), part -> { });

        assertEquals(TestServer.JSON.readTree("""
                {"role":"user","parts":[{"functionResponse":{"name":"get_local_time",
                  "response":{"error":"{\\"looks\\":\\"like JSON\\"} but no clock for Zürich"}}}]}
                """), mock.requests().getFirst().json().get("contents").get(2));
    }

    // ---- what the fixtures should give

    private static List<Part> oneCallParts() {
        return List.of(new Part.Text("I'll look that up in your notes."),
                new Part.ToolCallStart(SEARCH, "search_notes", SEARCH_SIGNATURE),
                new Part.ToolCallArguments(SEARCH, SEARCH_ARGUMENTS),
                new Part.ToolCallEnd(SEARCH),
                new Part.Finish("stop", new Usage(96, 30 + 147, false)));
    }

    // ---- helpers

    private static ModelRequest request() {
        return new ModelRequest("gemini-test", null, List.of(ChatMessage.user("Hi")), List.of(), null);
    }

    private List<Part> stream(ModelRequest request) throws IOException, InterruptedException {
        var parts = new ArrayList<Part>();
        provider.stream(request, parts::add);
        return parts;
    }

    /** Byte offsets after every backslash, inside every multi-byte UTF-8 character and between every CR and LF. */
    private static int[] awkwardOffsets(byte[] wire) {
        int[] cuts = IntStream.range(1, wire.length)
                .filter(i -> wire[i - 1] == '\\' || (wire[i] & 0xC0) == 0x80 || wire[i - 1] == '\r' && wire[i] == '\n')
                .toArray();
        assertTrue(IntStream.of(cuts).filter(i -> wire[i - 1] == '\\').count() >= 2, "the fixture should hold escaped quotes");
        assertTrue(IntStream.of(cuts).anyMatch(i -> (wire[i] & 0xC0) == 0x80), "the fixture should hold multi-byte characters");
        return cuts;
    }

    private static byte[] fixtureBytes(String name) {
        try {
            return Files.readAllBytes(MockProvider.FIXTURES.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
