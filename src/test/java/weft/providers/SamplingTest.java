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
 * Sampling settings, straight at each provider: every setting a provider has goes under its
 * own name and nothing else is added, nothing at all goes when none is set, and the demo
 * honours stop strings.
 */
class SamplingTest {
    private static final Sampling EVERYTHING = new Sampling(0.3, 0.9, List.of("\n\n", "END"), "user-7f3a");
    /** Every name a provider could use for a sampling setting. */
    private static final List<String> SAMPLING_FIELDS = List.of("temperature", "top_p", "topP", "stop",
            "stop_sequences", "stopSequences", "user", "metadata");

    private MockProvider mock;

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
    void everyConstructorWithoutSamplingLeavesItToTheProvider() {
        var messages = List.of(ChatMessage.user("Hi"));
        assertSame(Sampling.NONE, new ModelRequest(null, null, messages, List.of(), null).sampling());
        assertSame(Sampling.NONE, new ModelRequest(null, null, messages, List.of(), null, List.of()).sampling());
        assertSame(Sampling.NONE, new ModelRequest(null, null, messages, List.of(), null, List.of(), null).sampling());
    }

    @Test
    void samplingIsCarriedThroughToolsAndContinuedConversations() {
        var request = new ModelRequest(null, null, List.of(ChatMessage.user("Hi")), List.of(), null).withSampling(EVERYTHING);
        assertEquals(EVERYTHING, request.sampling());
        assertEquals(EVERYTHING, request.withTools(List.of(new ToolSpec("clock", null, null))).sampling());
        assertEquals(EVERYTHING, request.continued(List.of(ChatMessage.assistant("Hello"))).sampling());
    }

    @Test
    void samplingCopiesItsStopListAndReadsNullAsNone() {
        var stops = new ArrayList<>(List.of("END"));
        var sampling = new Sampling(null, null, stops, null);
        stops.add("STOP");
        assertEquals(List.of("END"), sampling.stop());
        assertThrows(UnsupportedOperationException.class, () -> sampling.stop().add("x"));
        assertEquals(List.of(), new Sampling(null, null, null, null).stop());
        assertEquals(Sampling.NONE, new Sampling(null, null, null, null));
    }

    // ---- what each provider sends

    @Test
    void openAiSendsTemperatureTopPStopAsAnArrayAndUser() throws Exception {
        var provider = new OpenAiProvider(TestServer.patientProviderHttp(), mock.baseUrl() + "/v1", "sk-test", "gpt-test");
        assertEquals(json("""
                {"temperature":0.3,"top_p":0.9,"stop":["\\n\\n","END"],"user":"user-7f3a"}
                """), added(provider, "openai/basic.sse"));
    }

    @Test
    void anthropicSendsTemperatureTopPStopSequencesAndTheUserAsMetadata() throws Exception {
        var provider = new AnthropicProvider(TestServer.patientProviderHttp(), mock.baseUrl(), "sk-ant-test", "claude-test");
        assertEquals(json("""
                {"temperature":0.3,"top_p":0.9,"stop_sequences":["\\n\\n","END"],"metadata":{"user_id":"user-7f3a"}}
                """), added(provider, "anthropic/basic.sse"));
    }

    @Test
    void geminiSendsTemperatureTopPAndStopSequencesInTheOneGenerationConfigAndNoUser() throws Exception {
        var provider = new GeminiProvider(TestServer.patientProviderHttp(), mock.baseUrl(), "gm-test", "gemini-test");
        assertEquals(json("""
                {"generationConfig":{"maxOutputTokens":100,"temperature":0.3,"topP":0.9,"stopSequences":["\\n\\n","END"]}}
                """), added(provider, "gemini/basic.sse"));
        assertFalse(mock.requests().getLast().body().contains("user-7f3a"), "Gemini has no field for the user");
    }

    @Test
    void withoutSamplingNoProviderSendsAnySamplingField() throws Exception {
        var http = TestServer.patientProviderHttp();
        var providers = List.of(
                new OpenAiProvider(http, mock.baseUrl() + "/v1", "sk-test", "gpt-test"),
                new AnthropicProvider(http, mock.baseUrl(), "sk-ant-test", "claude-test"),
                new GeminiProvider(http, mock.baseUrl(), "gm-test", "gemini-test"));
        var fixtures = List.of("openai/basic.sse", "anthropic/basic.sse", "gemini/basic.sse");
        for (int i = 0; i < providers.size(); i++) {
            mock.enqueue(Reply.fixture(fixtures.get(i)));
            providers.get(i).stream(request(null), part -> { });
            JsonNode body = mock.requests().getLast().json();
            for (String field : SAMPLING_FIELDS) {
                assertFalse(body.has(field), fixtures.get(i) + " sent " + field + ": " + body);
                assertFalse(body.path("generationConfig").has(field), fixtures.get(i) + " sent " + field + ": " + body);
            }
            assertFalse(body.has("generationConfig"), "no limit and no sampling: no generationConfig at all");
        }
    }

    // ---- the demo's stop strings

    @Test
    void demoStopsJustBeforeTheFirstStopStringEvenWhenItSpansTokens() throws Exception {
        var demo = new DemoProvider(Duration.ZERO, 0);
        ModelRequest plain = request(null);
        List<String> full = tokens(demo, plain, new ArrayList<>());
        String text = String.join("", full);
        // Four characters across the boundary of tokens i and i + 1, found there first.
        int i = 10, at;
        String spanning;
        while (true) {
            at = String.join("", full.subList(0, i + 1)).length() - 2;
            spanning = text.substring(at, at + 4);
            if (full.get(i).length() >= 2 && full.get(i + 1).length() >= 2 && text.indexOf(spanning) == at) break;
            i++;
        }
        // Listed first, but written later: the closing words.
        String later = text.substring(text.length() - 12);
        assertTrue(text.indexOf(later) > at);

        var stopped = new ArrayList<String>();
        Completion completion = demo.complete(plain.withSampling(new Sampling(null, null, List.of(later, spanning), null)),
                PartSink.text(stopped::add));

        String answer = String.join("", stopped);
        assertEquals(text.substring(0, at), answer);
        assertFalse(answer.contains(spanning) || answer.contains(later));
        assertEquals(full.subList(0, i), stopped.subList(0, i), "the tokens before it unchanged");
        assertEquals(i + 1, stopped.size(), "the token it starts in is kept up to it");
        assertEquals("stop", completion.finishReason());
        assertEquals(i + 1, completion.usage().outputTokens());
    }

    @Test
    void demoStopStringThatNeverOccursChangesNothing() throws Exception {
        var demo = new DemoProvider(Duration.ZERO, 0);
        ModelRequest plain = request(null);
        List<String> full = tokens(demo, plain, new ArrayList<>());
        var stopped = new ArrayList<String>();
        tokens(demo, plain.withSampling(new Sampling(null, null, List.of("§never§"), null)), stopped);
        assertEquals(full, stopped);
    }

    @Test
    void demoStopStringAtTheVeryStartGivesAnEmptyAnswer() throws Exception {
        var demo = new DemoProvider(Duration.ZERO, 0);
        ModelRequest plain = request(null);
        String first = tokens(demo, plain, new ArrayList<>()).getFirst();
        var stopped = new ArrayList<String>();
        Completion completion = demo.complete(plain.withSampling(new Sampling(null, null, List.of(first), null)),
                PartSink.text(stopped::add));
        assertEquals(List.of(), stopped);
        assertEquals("stop", completion.finishReason());
        assertEquals(0, completion.usage().outputTokens());
    }

    @Test
    void demoOutputLimitReachedBeforeTheStopStringStillFinishesWithLength() throws Exception {
        var demo = new DemoProvider(Duration.ZERO, 0);
        List<String> full = tokens(demo, request(null), new ArrayList<>());
        String late = full.get(40);
        var request = new ModelRequest(null, null, List.of(ChatMessage.user("Explain streaming")), List.of(), 5)
                .withSampling(new Sampling(null, null, List.of(late), null));
        Completion completion = demo.complete(request, PartSink.text(piece -> { }));
        assertEquals("length", completion.finishReason());
    }

    // ---- helpers

    private static ModelRequest request(Integer maxTokens) {
        return new ModelRequest(null, null, List.of(ChatMessage.user("Explain streaming")), List.of(), maxTokens);
    }

    private static List<String> tokens(DemoProvider demo, ModelRequest request, List<String> into) throws Exception {
        demo.complete(request, PartSink.text(into::add));
        return into;
    }

    /**
     * What setting every sampling field adds to the body of the same request without them: the
     * fields that are new or changed. Both requests set a limit, so that Gemini's
     * {@code generationConfig} shows sampling merged with it.
     */
    private ObjectNode added(Provider provider, String fixture) throws Exception {
        mock.enqueue(Reply.fixture(fixture));
        mock.enqueue(Reply.fixture(fixture));
        provider.stream(request(100), part -> { });
        provider.stream(request(100).withSampling(EVERYTHING), part -> { });
        return RequestBodies.added(mock.requests().get(0).json(), mock.requests().get(1).json());
    }

    private static JsonNode json(String text) throws Exception {
        return TestServer.JSON.readTree(text);
    }
}
