package weft.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import weft.testing.MockProvider;
import weft.testing.MockProvider.Reply;
import weft.testing.TestServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tool choice, straight at each provider: every real provider sends it under its own
 * names and adds nothing else, sends nothing for the default and nothing when no tools are
 * offered, and the demo calls no tool, some tool or the named tool as told, on a fresh
 * question only.
 */
class ToolChoiceTest {
    private static final ToolChoice WEATHER = new ToolChoice.Function("get_weather");
    private static final List<ToolChoice> EVERY_CHOICE = List.of(ToolChoice.AUTO, ToolChoice.NONE, ToolChoice.REQUIRED, WEATHER);
    /** Every name a provider could send a tool choice under. */
    private static final List<String> CHOICE_FIELDS = List.of("tool_choice", "toolConfig");

    private MockProvider mock;
    private final DemoProvider demo = new DemoProvider(Duration.ZERO, 0);

    @BeforeEach
    void start() {
        mock = MockProvider.start();
    }

    @AfterEach
    void stop() {
        mock.close();
    }

    // ---- the request

    @Test
    void everyConstructorWithoutAChoiceLeavesItToTheModel() {
        var messages = List.of(ChatMessage.user("Hi"));
        assertSame(ToolChoice.AUTO, new ModelRequest(null, null, messages, List.of(), null).toolChoice());
        assertSame(ToolChoice.AUTO, new ModelRequest(null, null, messages, List.of(), null, List.of()).toolChoice());
        assertSame(ToolChoice.AUTO, new ModelRequest(null, null, messages, List.of(), null, List.of(), Sampling.NONE).toolChoice());
        assertSame(ToolChoice.AUTO, new ModelRequest(null, null, messages, List.of(), null, List.of(), null, null).toolChoice());
    }

    @Test
    void theChoiceIsCarriedThroughToolsSamplingAndContinuedConversations() {
        var request = question("Hi").withToolChoice(WEATHER);
        assertEquals(WEATHER, request.toolChoice());
        assertEquals(WEATHER, request.withTools(List.of(new ToolSpec("clock", null, null))).toolChoice());
        assertEquals(WEATHER, request.withSampling(new Sampling(0.2, null, null, null)).toolChoice());
        assertEquals(WEATHER, request.continued(List.of(ChatMessage.assistant("Hello"))).toolChoice());
        assertSame(ToolChoice.AUTO, request.withToolChoice(null).toolChoice());
    }

    @Test
    void aForcedFunctionNeedsAName() {
        assertThrows(IllegalArgumentException.class, () -> new ToolChoice.Function(null));
        assertThrows(IllegalArgumentException.class, () -> new ToolChoice.Function(" "));
        assertEquals(WEATHER, new ToolChoice.Function("get_weather"));
    }

    // ---- what each provider sends

    @Test
    void openAiSendsNoneRequiredAndTheNamedFunctionAsToolChoice() throws Exception {
        var provider = new OpenAiProvider(TestServer.patientProviderHttp(), mock.baseUrl() + "/v1", "sk-test", "gpt-test");
        assertEquals(json("""
                {"tool_choice":"none"}"""), added(provider, "openai/basic.sse", ToolChoice.NONE));
        assertEquals(json("""
                {"tool_choice":"required"}"""), added(provider, "openai/basic.sse", ToolChoice.REQUIRED));
        assertEquals(json("""
                {"tool_choice":{"type":"function","function":{"name":"get_weather"}}}"""),
                added(provider, "openai/basic.sse", WEATHER));
    }

    @Test
    void anthropicSendsNoneAnyAndToolAsToolChoice() throws Exception {
        var provider = new AnthropicProvider(TestServer.patientProviderHttp(), mock.baseUrl(), "sk-ant-test", "claude-test");
        assertEquals(json("""
                {"tool_choice":{"type":"none"}}"""), added(provider, "anthropic/basic.sse", ToolChoice.NONE));
        assertEquals(json("""
                {"tool_choice":{"type":"any"}}"""), added(provider, "anthropic/basic.sse", ToolChoice.REQUIRED));
        assertEquals(json("""
                {"tool_choice":{"type":"tool","name":"get_weather"}}"""), added(provider, "anthropic/basic.sse", WEATHER));
    }

    @Test
    void geminiSendsNoneAndAnyAsItsFunctionCallingModeAndTheNamedFunctionAsTheOnlyOneAllowed() throws Exception {
        var provider = new GeminiProvider(TestServer.patientProviderHttp(), mock.baseUrl(), "gm-test", "gemini-test");
        assertEquals(json("""
                {"toolConfig":{"functionCallingConfig":{"mode":"NONE"}}}"""), added(provider, "gemini/basic.sse", ToolChoice.NONE));
        assertEquals(json("""
                {"toolConfig":{"functionCallingConfig":{"mode":"ANY"}}}"""), added(provider, "gemini/basic.sse", ToolChoice.REQUIRED));
        assertEquals(json("""
                {"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}}}"""),
                added(provider, "gemini/basic.sse", WEATHER));
    }

    @Test
    void autoSendsNoChoiceToAnyProvider() throws Exception {
        for (var sent : providers()) {
            mock.enqueue(Reply.fixture(sent.fixture()));
            sent.provider().stream(withTools().withToolChoice(ToolChoice.AUTO), part -> { });
            JsonNode body = mock.requests().getLast().json();
            assertTrue(body.has("tools"), sent.fixture() + ": " + body);
            for (String field : CHOICE_FIELDS) assertFalse(body.has(field), sent.fixture() + " sent " + field + ": " + body);
        }
    }

    @Test
    void withoutToolsNoProviderSendsAnyChoice() throws Exception {
        for (var sent : providers()) {
            List<JsonNode> bodies = new ArrayList<>();
            for (ToolChoice choice : EVERY_CHOICE) {
                mock.enqueue(Reply.fixture(sent.fixture()));
                sent.provider().stream(question("What is the weather in Paris?").withToolChoice(choice), part -> { });
                bodies.add(mock.requests().getLast().json());
            }
            for (JsonNode body : bodies) {
                for (String field : CHOICE_FIELDS) assertFalse(body.has(field), sent.fixture() + " sent " + field + ": " + body);
                assertEquals(bodies.getFirst(), body, sent.fixture() + ": the choice changed a request without tools");
            }
        }
    }

    // ---- the demo

    @Test
    void demoUnderNoneCallsNoToolAndAnswersAsWithoutTools() throws Exception {
        ModelRequest asks = question("what time is it in Tokyo and what is 2+2?").withTools(List.of(calculator(), clock()));
        assertEquals(2, run(asks).toolCalls().size(), "the question asks for both");

        Completion none = run(asks.withToolChoice(ToolChoice.NONE));
        assertEquals(List.of(), none.toolCalls());
        assertEquals("stop", none.finishReason());
        assertEquals(run(question("what time is it in Tokyo and what is 2+2?")).text(), none.text());
    }

    @Test
    void demoUnderRequiredCallsWhatTheQuestionAsksFor() throws Exception {
        ModelRequest asks = question("what is 2+2?").withTools(List.of(clock(), calculator()));
        assertEquals(List.of(new ToolCall("call_demo_1", "calculator", "{\"expression\":\"2+2\"}")),
                run(asks.withToolChoice(ToolChoice.REQUIRED)).toolCalls());
    }

    @Test
    void demoUnderRequiredCallsTheFirstOfferedToolWithArgumentsFromItsSchemaWhenTheQuestionAsksForNone() throws Exception {
        ModelRequest asks = question("Tell me about Paris").withTools(List.of(weather(), calculator()));
        assertEquals(List.of(), run(asks).toolCalls(), "on its own it would call nothing");

        Completion required = run(asks.withToolChoice(ToolChoice.REQUIRED));
        assertEquals(List.of(new ToolCall("call_demo_1", "get_weather", "{\"city\":\"Paris\",\"days\":1}")), required.toolCalls());
        assertEquals("tool_calls", required.finishReason());
        assertEquals(required.toolCalls(), run(asks.withToolChoice(ToolChoice.REQUIRED)).toolCalls(), "the same every time");
    }

    @Test
    void demoUnderAFunctionCallsExactlyThatTool() throws Exception {
        List<ToolSpec> tools = List.of(calculator(), clock(), weather());
        ModelRequest asks = question("what time is it in Tokyo and what is 2+2?").withTools(tools);

        assertEquals(List.of(new ToolCall("call_demo_1", "clock", "{\"timezone\":\"Asia/Tokyo\"}")),
                run(asks.withToolChoice(new ToolChoice.Function("clock"))).toolCalls(), "its arguments from the question");
        assertEquals(List.of(new ToolCall("call_demo_1", "get_weather", "{\"city\":\"Tokyo\",\"days\":2}")),
                run(asks.withToolChoice(WEATHER)).toolCalls(), "not asked for: its arguments from its schema");
        assertEquals(List.of(new ToolCall("call_demo_1", "calculator", "{\"expression\":\"Paris\"}")),
                run(question("Tell me about Paris").withTools(tools).withToolChoice(new ToolChoice.Function("calculator")))
                        .toolCalls());
    }

    @Test
    void demoCallsAFunctionItWasNotOfferedWithNothing() throws Exception {
        ModelRequest asks = question("what is 2+2?").withTools(List.of(calculator()))
                .withToolChoice(new ToolChoice.Function("lookup"));
        assertEquals(List.of(new ToolCall("call_demo_1", "lookup", "{}")), run(asks).toolCalls());
    }

    @Test
    void demoAnswersTheResultsWhateverTheChoice() throws Exception {
        ModelRequest asks = question("what is 2+2?").withTools(List.of(calculator(), weather()));
        List<ToolCall> calls = run(asks).toolCalls();
        ModelRequest answered = asks.continued(List.of(ChatMessage.assistant("", calls),
                ChatMessage.tool(new ToolResult(calls.getFirst().id(), "calculator", "{\"result\":\"4\"}", false))));
        for (ToolChoice choice : EVERY_CHOICE) {
            Completion answer = run(answered.withToolChoice(choice));
            assertEquals(List.of(), answer.toolCalls(), choice + " called again");
            assertEquals("stop", answer.finishReason(), choice.toString());
            assertEquals("2+2 = 4.", answer.text(), choice.toString());
        }
    }

    // ---- helpers

    private record Sent(Provider provider, String fixture) {}

    private List<Sent> providers() {
        var http = TestServer.patientProviderHttp();
        return List.of(
                new Sent(new OpenAiProvider(http, mock.baseUrl() + "/v1", "sk-test", "gpt-test"), "openai/basic.sse"),
                new Sent(new AnthropicProvider(http, mock.baseUrl(), "sk-ant-test", "claude-test"), "anthropic/basic.sse"),
                new Sent(new GeminiProvider(http, mock.baseUrl(), "gm-test", "gemini-test"), "gemini/basic.sse"));
    }

    private static ModelRequest question(String text) {
        return new ModelRequest(null, null, List.of(ChatMessage.user(text)), List.of(), null);
    }

    private static ModelRequest withTools() throws Exception {
        return question("What is the weather in Paris?").withTools(List.of(weather(), clock()));
    }

    private static ToolSpec weather() throws Exception {
        return new ToolSpec("get_weather", "The weather in a city now", json("""
                {"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"]}"""));
    }

    private static ToolSpec calculator() throws Exception {
        return new ToolSpec("calculator", "Computes arithmetic", json("""
                {"type":"object","properties":{"expression":{"type":"string"}},"required":["expression"]}"""));
    }

    private static ToolSpec clock() throws Exception {
        return new ToolSpec("clock", "The time now", json("""
                {"type":"object","properties":{"timezone":{"type":"string"}}}"""));
    }

    private Completion run(ModelRequest request) throws Exception {
        return demo.complete(request, part -> { });
    }

    /** What {@code choice} adds to the body of the same request with tools and the default choice: the fields that are new or changed. */
    private ObjectNode added(Provider provider, String fixture, ToolChoice choice) throws Exception {
        mock.enqueue(Reply.fixture(fixture));
        mock.enqueue(Reply.fixture(fixture));
        provider.stream(withTools(), part -> { });
        provider.stream(withTools().withToolChoice(choice), part -> { });
        return RequestBodies.added(mock.requests().get(mock.requests().size() - 2).json(), mock.requests().getLast().json());
    }

    private static JsonNode json(String text) throws Exception {
        return TestServer.JSON.readTree(text);
    }
}
