package weft.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import weft.testing.MockProvider;
import weft.testing.MockProvider.Chunking;
import weft.testing.MockProvider.Reply;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.testing.Citations.HALF_MARKER;
import static weft.testing.Citations.MARKER;
import static weft.testing.Citations.documents;
import static weft.testing.MockProvider.withEveryChunking;
import static weft.testing.RunEvents.deltas;
import static weft.testing.RunEvents.ofType;
import static weft.testing.RunEvents.runToDone;

/**
 * The Gemini provider against a mock Gemini over real HTTP, replaying {@code test-fixtures/gemini/}
 * byte for byte. Expected texts and usage are read from the fixtures themselves, so a fixture
 * can change without the tests going stale.
 */
class GeminiProviderTest {
    private MockProvider mock;
    private TestServer server;

    @BeforeEach
    void start() {
        mock = MockProvider.start();
        server = TestServer.start(new GeminiProvider(TestServer.patientProviderHttp(), mock.baseUrl(), "gm-test", "gemini-test"));
    }

    @AfterEach
    void stop() {
        server.close();
        mock.close();
    }

    // --- what comes back ---------------------------------------------------------------------------

    static Stream<Arguments> fixturesAndChunkings() {
        return withEveryChunking("basic.sse", "long.sse", "dutch.sse", "citations.sse", "thoughts.sse");
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("fixturesAndChunkings")
    void everyFixturesTextArrivesExactlyWhateverTheChunking(String name, Chunking chunking) {
        Fixture fixture = Fixture.read(name);
        mock.enqueue(Reply.sse(fixture.bytes()).chunking(chunking));

        var events = run(request("Tell me"));

        assertEquals(fixture.text(), deltas(events));
        assertEquals(fixture.text(), completed(events).text("text"));
        assertEquals("completed", events.getLast().text("status"));
        assertEquals(fixture.text(), events.getLast().text("output"));
        assertUsage(fixture, events.getLast().data().get("usage"));
    }

    @Test
    void cuttingEveryCrlfBetweenItsCrAndLfLosesNothing() {
        Fixture fixture = Fixture.read("basic.sse");
        int[] cuts = offsets(fixture.bytes(), i -> fixture.bytes()[i - 1] == '\r' && fixture.bytes()[i] == '\n');
        assertTrue(cuts.length >= 6, "basic.sse should have CRLF line ends, found " + cuts.length);
        mock.enqueue(Reply.sse(fixture.bytes()).splitAt(cuts));

        var events = run(request("What is SSE?"));

        assertEquals(fixture.text(), deltas(events));
        assertEquals("completed", events.getLast().text("status"));
    }

    @Test
    void cuttingInsideEveryMultiByteCharacterLosesNothing() {
        Fixture fixture = Fixture.read("dutch.sse");
        byte[] bytes = fixture.bytes();
        // A cut before each continuation byte: inside every é, €, ☕ and emoji, at each of their inner boundaries.
        int[] cuts = offsets(bytes, i -> (bytes[i] & 0xC0) == 0x80);
        assertTrue(fixture.text().codePoints().anyMatch(c -> c > 0xFFFF), "dutch.sse should hold a 4-byte character");
        mock.enqueue(Reply.sse(bytes).splitAt(cuts));

        var events = run(request("Vertel over het café"));

        assertEquals(fixture.text(), deltas(events));
        assertTrue(fixture.text().contains("café") && fixture.text().contains("🚲"));
    }

    @Test
    void cuttingInsideEveryCitationMarkerStillGivesWholeMarkersAndTheirCitations() {
        Fixture fixture = Fixture.read("citations.sse");
        byte[] bytes = fixture.bytes();
        // A cut after each '[' and after each digit that follows one: "[", "1", "2]".
        int[] cuts = offsets(bytes, i -> bytes[i - 1] == '[' || (Character.isDigit(bytes[i - 1]) && precededByBracket(bytes, i - 1)));
        assertTrue(fixture.text().contains("[12]"), "citations.sse should cite [12]");
        mock.enqueue(Reply.sse(bytes).splitAt(cuts));

        var events = run(request("Why stream?").set("documents", documents(12)));

        assertEquals(fixture.text(), deltas(events));
        for (var delta : ofType(events, "delta")) {
            assertFalse(HALF_MARKER.matcher(delta.text("text")).find(), "a delta split a marker: " + delta.text("text"));
        }
        var expected = new ArrayList<String>();
        for (Matcher m = MARKER.matcher(fixture.text()); m.find(); ) expected.add(m.group() + " doc-" + m.group(1));
        var cited = ofType(events, "citation").stream().map(e -> e.text("marker") + " " + e.text("document_id")).toList();
        assertEquals(expected, cited);
        assertTrue(cited.contains("[12] doc-12"), "the marker split as \"[1\" + \"2]\" across events must be cited whole");
    }

    @Test
    void usageIsTheLastUsageMetadataNotTheSumOfThem() {
        Fixture fixture = Fixture.read("basic.sse");
        mock.enqueue(Reply.fixture("gemini/basic.sse"));

        JsonNode usage = run(request("What is SSE?")).getLast().data().get("usage");

        // Gemini's counts are cumulative: each event repeats the prompt and everything generated so far.
        long summedPrompt = fixture.usages().stream().mapToLong(u -> u.path("promptTokenCount").asLong()).sum();
        assertTrue(fixture.usages().size() > 1, "basic.sse should carry usageMetadata on several events");
        assertNotEquals(summedPrompt, usage.get("input_tokens").asLong());
        assertUsage(fixture, usage);
        assertTrue(fixture.lastUsage().has("thoughtsTokenCount"), "basic.sse comes from a thinking model");
    }

    @Test
    void maxTokensIsANormalEndOfTheAnswer() {
        Fixture fixture = Fixture.read("basic.sse");
        String body = new String(fixture.bytes(), UTF_8).replace("\"finishReason\": \"STOP\"", "\"finishReason\": \"MAX_TOKENS\"");
        mock.enqueue(Reply.sse(body));

        var events = run(request("What is SSE?").put("max_tokens", 150));

        assertEquals("completed", events.getLast().text("status"));
        assertEquals(fixture.text(), events.getLast().text("output"));
        assertTrue(ofType(events, "error").isEmpty());
    }

    // --- what Weft sends ---------------------------------------------------------------------------

    @Test
    void postsToTheDefaultModelsStreamGenerateContentWithAltSse() {
        mock.enqueue(Reply.fixture("gemini/basic.sse"));

        run(request("What is SSE?"));

        var sent = mock.requests().getLast();
        assertEquals("POST", sent.method());
        assertEquals("/v1beta/models/gemini-test:streamGenerateContent", sent.path());
        assertEquals("alt=sse", sent.query());
        assertTrue(sent.header("Content-Type").startsWith("application/json"));
    }

    @Test
    void sendsTheKeyInTheXGoogApiKeyHeaderAndNeverInTheUrl() {
        mock.enqueue(Reply.fixture("gemini/basic.sse"));

        run(request("What is SSE?"));

        var sent = mock.requests().getLast();
        assertEquals("gm-test", sent.header("x-goog-api-key"));
        assertFalse(sent.query().contains("key"), "the query must not carry the key: " + sent.query());
        assertFalse((sent.path() + "?" + sent.query()).contains("gm-test"));
    }

    @Test
    void aRunsModelReplacesTheDefaultInThePath() {
        mock.enqueue(Reply.fixture("gemini/basic.sse"));

        run(request("What is SSE?").put("model", "gemini-2.5-pro"));

        assertEquals("/v1beta/models/gemini-2.5-pro:streamGenerateContent", mock.requests().getLast().path());
    }

    @Test
    void aModelNameThatWouldChangeThePathIsRefusedWithoutCallingGemini() {
        var events = run(request("What is SSE?").put("model", "../tunedModels/x?key=1"));

        var error = ofType(events, "error").getFirst();
        assertEquals("provider_bad_request", error.text("code"));
        assertTrue(error.text("message").contains("../tunedModels/x?key=1"), error.text("message"));
        assertEquals("failed", events.getLast().text("status"));
        assertTrue(mock.requests().isEmpty());
    }

    @Test
    void aTrailingSlashOnTheBaseUrlIsIgnored() {
        var slashed = TestServer.start(new GeminiProvider(TestServer.providerHttp(Duration.ofSeconds(5), 0, Duration.ofMillis(10)),
                mock.baseUrl() + "/", "gm-test", "gemini-test"));
        try (slashed) {
            mock.enqueue(Reply.fixture("gemini/basic.sse"));
            try (var stream = slashed.streamRun(request("hi").toString())) {
                assertEquals("completed", stream.readToDone().getLast().text("status"));
            }
            assertEquals("/v1beta/models/gemini-test:streamGenerateContent", mock.requests().getLast().path());
        }
    }

    @Test
    void aBaseUrlThatIsNotHttpIsRefusedAtStartNamingIt() {
        var error = assertThrows(IllegalArgumentException.class, () -> new GeminiProvider(
                TestServer.providerHttp(Duration.ofSeconds(5), 0, Duration.ofMillis(10)), "generativelanguage.googleapis.com",
                "gm-test", "gemini-test"));
        assertTrue(error.getMessage().contains("'generativelanguage.googleapis.com'"), error.getMessage());
    }

    @Test
    void sendsTheInputAsTheOnlyUserTurnAndNothingElseByDefault() {
        mock.enqueue(Reply.fixture("gemini/basic.sse"));

        run(request("What is SSE?"));

        JsonNode body = mock.requests().getLast().json();
        assertEquals(contents("user", "What is SSE?"), body.get("contents"));
        assertNull(body.get("systemInstruction"));
        assertNull(body.get("generationConfig"));
    }

    @Test
    void sendsMaxTokensAsGenerationConfigMaxOutputTokens() {
        mock.enqueue(Reply.fixture("gemini/basic.sse"));

        run(request("What is SSE?").put("max_tokens", 256));

        assertEquals(256, mock.requests().getLast().json().path("generationConfig").path("maxOutputTokens").asInt());
    }

    @Test
    void sendsTheSystemPromptAsSystemInstruction() {
        mock.enqueue(Reply.fixture("gemini/basic.sse"));

        run(request("What is SSE?").put("system", "Answer in one paragraph."));

        JsonNode parts = mock.requests().getLast().json().path("systemInstruction").path("parts");
        assertEquals(1, parts.size());
        assertEquals("Answer in one paragraph.", parts.get(0).get("text").asText());
    }

    @Test
    void appendsTheDocumentsToTheSystemInstructionAsANumberedListToCite() {
        mock.enqueue(Reply.fixture("gemini/basic.sse"));

        run(request("Why stream?").put("system", "Be brief.").set("documents", documents(2)));

        String system = mock.requests().getLast().json().path("systemInstruction").path("parts").get(0).get("text").asText();
        assertTrue(system.startsWith("Be brief.\n\n"), system);
        assertTrue(system.contains("[1] Source 1\nText of source 1."), system);
        assertTrue(system.contains("[2] Source 2\nText of source 2."), system);
        assertTrue(system.indexOf("[1] Source 1") < system.indexOf("[2] Source 2"), system);
        assertTrue(system.contains("cite") && system.contains("[n]"), "the model must be told how to cite: " + system);
    }

    @Test
    void sendsThePreviousRunOfTheSessionAsUserAndModelTurns() {
        Fixture first = Fixture.read("basic.sse");
        mock.enqueue(Reply.fixture("gemini/basic.sse"));
        mock.enqueue(Reply.fixture("gemini/dutch.sse"));

        String sessionId = run(request("What is SSE?")).getFirst().text("session_id");
        run(request("And in Dutch?").put("session_id", sessionId));

        ArrayNode expected = contents("user", "What is SSE?");
        expected.addAll(contents("model", first.text()));
        expected.addAll(contents("user", "And in Dutch?"));
        assertEquals(expected, mock.requests().getLast().json().get("contents"));
    }

    @Test
    void anEmptyFailedAnswerInTheHistoryIsLeftOutAndTheUserTurnsMerged() {
        mock.enqueue(Reply.fixture("gemini/blocked-prompt.sse"));
        mock.enqueue(Reply.fixture("gemini/basic.sse"));

        String sessionId = run(request("first try")).getFirst().text("session_id");
        run(request("second try").put("session_id", sessionId));

        // Gemini refuses an empty text part, so the empty answer is dropped and the two user
        // messages become one user turn.
        JsonNode contents = mock.requests().getLast().json().get("contents");
        assertEquals(1, contents.size(), contents.toString());
        assertEquals("user", contents.get(0).get("role").asText());
        assertEquals("first try", contents.get(0).get("parts").get(0).get("text").asText());
        assertEquals("second try", contents.get(0).get("parts").get(1).get("text").asText());
    }

    // --- refusals and errors -----------------------------------------------------------------------

    @Test
    void aSafetyStopFailsTheRunAsRefusedAfterStreamingTheTextSoFar() {
        Fixture fixture = Fixture.read("safety-stop.sse");
        assertFalse(fixture.text().isEmpty(), "safety-stop.sse should stream some text first");
        mock.enqueue(Reply.fixture("gemini/safety-stop.sse"));

        var events = run(request("How do these chemicals react?"));

        assertEquals(fixture.text(), deltas(events));
        var error = ofType(events, "error").getFirst();
        assertEquals("provider_refused", error.text("code"));
        assertTrue(error.text("message").contains("SAFETY"), error.text("message"));
        assertTrue(error.text("message").contains("HARM_CATEGORY_DANGEROUS_CONTENT"), error.text("message"));
        assertFalse(error.data().get("retryable").asBoolean());
        assertEquals("failed", events.getLast().text("status"));
        assertEquals(fixture.text(), events.getLast().text("output"));

        String runId = events.getFirst().text("run_id");
        assertEquals("failed", TestServer.json(server.get("/v1/runs/" + runId)).get("status").asText());
        JsonNode answer = TestServer.json(server.get("/v1/sessions/" + events.getFirst().text("session_id")))
                .get("messages").get(1);
        assertEquals(fixture.text(), answer.get("content").asText());
        assertEquals("failed", answer.get("status").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "OTHER"})
    void everyOtherEarlyFinishReasonIsARefusalNamingIt(String reason) {
        Fixture fixture = Fixture.read("safety-stop.sse");
        mock.enqueue(Reply.sse(new String(fixture.bytes(), UTF_8).replace("\"SAFETY\"", "\"" + reason + "\"")));

        var events = run(request("Recite it"));

        var error = ofType(events, "error").getFirst();
        assertEquals("provider_refused", error.text("code"));
        assertTrue(error.text("message").contains("finishReason " + reason), error.text("message"));
        assertEquals(fixture.text(), events.getLast().text("output"));
    }

    @Test
    void aBlockedPromptFailsTheRunAsRefusedNamingTheBlockReason() {
        mock.enqueue(Reply.fixture("gemini/blocked-prompt.sse"));

        var events = run(request("something Gemini will not answer"));

        var error = ofType(events, "error").getFirst();
        assertEquals("provider_refused", error.text("code"));
        assertTrue(error.text("message").contains("PROHIBITED_CONTENT"), error.text("message"));
        assertEquals("", deltas(events));
        assertEquals("failed", events.getLast().text("status"));
        assertEquals("", events.getLast().text("output"));
    }

    @Test
    void anErrorObjectMidStreamFailsTheRunWithGeminisMessageAndKeepsTheText() {
        Fixture fixture = Fixture.read("error-mid-stream.sse");
        mock.enqueue(Reply.fixture("gemini/error-mid-stream.sse"));

        var events = run(request("Explain the borrow checker"));

        assertEquals(fixture.text(), deltas(events));
        var error = ofType(events, "error").getFirst();
        assertEquals("provider_unavailable", error.text("code"), error.text("message"));
        assertTrue(error.text("message").contains("The model is overloaded. Please try again later."), error.text("message"));
        assertTrue(error.data().get("retryable").asBoolean());
        assertEquals("failed", events.getLast().text("status"));
        assertEquals(fixture.text(), events.getLast().text("output"));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource({
            "RESOURCE_EXHAUSTED, 429, provider_rate_limited",
            "UNAVAILABLE,        503, provider_unavailable",
            "INTERNAL,           500, provider_unavailable",
            "PERMISSION_DENIED,  403, provider_auth",
            "UNAUTHENTICATED,    401, provider_auth",
            "INVALID_ARGUMENT,   400, provider_bad_request"})
    void anErrorEventIsMappedByItsStatus(String status, int code, String weftCode) {
        Fixture fixture = Fixture.read("basic.sse");
        String message = "Gemini says " + status.toLowerCase();
        String body = fixture.events().getFirst() + "data: {\"error\": {\"code\": " + code + ",\"message\": \"" + message
                + "\",\"status\": \"" + status + "\"}}\r\n\r\n";
        mock.enqueue(Reply.sse(body));

        var events = run(request("What is SSE?"));

        var error = ofType(events, "error").getFirst();
        assertEquals(weftCode, error.text("code"));
        assertTrue(error.text("message").contains(message), error.text("message"));
        assertFalse(deltas(events).isEmpty(), "the text before the error should have streamed");
        assertEquals("failed", events.getLast().text("status"));
    }

    @Test
    void aStreamThatEndsWithoutAFinishReasonIsAProtocolError() {
        Fixture fixture = Fixture.read("basic.sse");
        mock.enqueue(Reply.sse(fixture.events().get(0) + fixture.events().get(1)));

        var events = run(request("What is SSE?"));

        var error = ofType(events, "error").getFirst();
        assertEquals("provider_protocol", error.text("code"));
        assertTrue(error.text("message").contains("ended before a finishReason"), error.text("message"));
        assertEquals("failed", events.getLast().text("status"));
        assertFalse(events.getLast().text("output").isEmpty());
    }

    @Test
    void malformedJsonIsAProtocolErrorQuotingTheStartOfTheBadData() {
        String bad = "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hel" + "l".repeat(400) + "}]}";
        mock.enqueue(Reply.sse("data: " + bad + "\r\n\r\n"));

        var events = run(request("What is SSE?"));

        var error = ofType(events, "error").getFirst();
        assertEquals("provider_protocol", error.text("code"));
        String message = error.text("message");
        assertTrue(message.contains(bad.substring(0, 60)), message);
        assertFalse(message.contains(bad), "the bad data should be truncated: " + message);
        assertTrue(message.length() < 400, message);
    }

    // --- retries and cancellation ------------------------------------------------------------------

    @Test
    void a429IsRetriedAfterItsRetryAfterAndThenSucceeds() throws Exception {
        Fixture fixture = Fixture.read("basic.sse");
        Reply limited = mock.enqueue(Reply.status(429, "{\"error\": {\"code\": 429,\"message\": \"Resource has been exhausted"
                + " (e.g. check quota).\",\"status\": \"RESOURCE_EXHAUSTED\"}}").header("Retry-After", "1"));
        Reply answer = mock.enqueue(Reply.fixture("gemini/basic.sse"));

        var events = run(request("What is SSE?"));

        assertEquals("completed", events.getLast().text("status"));
        assertEquals(fixture.text(), deltas(events));
        assertTrue(ofType(events, "error").isEmpty());
        assertEquals(2, mock.requests().size());
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(answer.served().get(5, TimeUnit.SECONDS) - limited.served().get(5, TimeUnit.SECONDS));
        assertTrue(waitedMs >= 950, "the retry came " + waitedMs + " ms after the 429 that asked for 1 s");
    }

    @Test
    void cancellingTheRunClosesTheConnectionToGeminiAtOnce() throws Exception {
        Fixture fixture = Fixture.read("long.sse");
        // A few events, then the connection stays open and busy, as a model still generating.
        String firstEvents = String.join("", fixture.events().subList(0, 3));
        Reply reply = mock.enqueue(Reply.sse(firstEvents).thenTrickle(Duration.ofMillis(20)));

        try (SseStream stream = server.streamRun(request("Tell me about status codes").toString())) {
            String runId = stream.nextEvent().text("run_id");
            while (!stream.nextEvent().type().equals("delta")) { }

            long cancelAt = System.nanoTime();
            assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
            long closedAt = reply.closed().get(5, TimeUnit.SECONDS);

            long ms = TimeUnit.NANOSECONDS.toMillis(closedAt - cancelAt);
            assertTrue(ms < 500, "Gemini's connection was closed " + ms + " ms after the cancel request");
            var rest = stream.readToDone();
            assertEquals("cancelled", rest.getLast().text("status"));
            assertTrue(fixture.text().startsWith(rest.getLast().text("output")));
        }
    }

    // --- helpers -----------------------------------------------------------------------------------

    /** A fixture and what it says, read independently of the provider: text, usage, raw events. */
    private record Fixture(byte[] bytes, List<String> events, String text, List<JsonNode> usages) {
        static Fixture read(String name) {
            try {
                byte[] bytes = Files.readAllBytes(MockProvider.FIXTURES.resolve("gemini").resolve(name));
                String body = new String(bytes, UTF_8);
                var events = new ArrayList<String>();
                var text = new StringBuilder();
                var usages = new ArrayList<JsonNode>();
                for (String event : body.split("(?<=\r\n\r\n)")) {
                    if (!event.startsWith("data: ")) continue;
                    events.add(event);
                    JsonNode json = TestServer.JSON.readTree(event.substring("data: ".length()).strip());
                    for (JsonNode part : json.path("candidates").path(0).path("content").path("parts")) {
                        if (!part.path("thought").asBoolean()) text.append(part.path("text").asText());
                    }
                    if (json.has("usageMetadata")) usages.add(json.get("usageMetadata"));
                }
                return new Fixture(bytes, events, text.toString(), usages);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        JsonNode lastUsage() { return usages.getLast(); }
    }

    private static void assertUsage(Fixture fixture, JsonNode usage) {
        JsonNode last = fixture.lastUsage();
        assertEquals(last.path("promptTokenCount").asLong(), usage.get("input_tokens").asLong(), "input tokens");
        // Thinking tokens are billed as output, so they count with the answer's tokens.
        assertEquals(last.path("candidatesTokenCount").asLong() + last.path("thoughtsTokenCount").asLong(),
                usage.get("output_tokens").asLong(), "output tokens");
        assertFalse(usage.path("estimated").asBoolean(false));
    }

    private static ObjectNode request(String input) {
        return TestServer.JSON.createObjectNode().put("provider", "gemini").put("input", input);
    }

    /** A streamed run on this test's server. */
    private List<SseStream.Event> run(ObjectNode request) {
        return runToDone(server, request);
    }

    /** One Gemini content as a one-element array, for building expected {@code contents}. */
    private static ArrayNode contents(String role, String text) {
        ArrayNode contents = TestServer.JSON.createArrayNode();
        contents.addObject().put("role", role).putArray("parts").addObject().put("text", text);
        return contents;
    }

    private static SseStream.Event completed(List<SseStream.Event> events) {
        return ofType(events, "agent_completed").getFirst();
    }

    private static int[] offsets(byte[] bytes, java.util.function.IntPredicate cutBefore) {
        return IntStream.range(1, bytes.length).filter(cutBefore).toArray();
    }

    private static boolean precededByBracket(byte[] bytes, int digit) {
        int i = digit;
        while (i > 0 && Character.isDigit(bytes[i])) i--;
        return bytes[i] == '[';
    }
}
