package weft.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import weft.sse.SseEvent;
import weft.sse.SseParser;
import weft.testing.MockProvider;
import weft.testing.MockProvider.Chunking;
import weft.testing.MockProvider.Reply;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.testing.Citations.HALF_MARKER;
import static weft.testing.Citations.MARKER;
import static weft.testing.Citations.documents;
import static weft.testing.MockProvider.endOfEvent;
import static weft.testing.MockProvider.withEveryChunking;
import static weft.testing.RunEvents.assertCompletedWith;
import static weft.testing.RunEvents.assertFailed;
import static weft.testing.RunEvents.deltas;
import static weft.testing.RunEvents.ofType;
import static weft.testing.RunEvents.only;
import static weft.testing.RunEvents.runToDone;

/**
 * The Anthropic provider over real HTTP: a Weft server whose {@code anthropic} provider talks to a
 * {@link MockProvider} replaying {@code test-fixtures/anthropic/} byte for byte, cut at awkward
 * places, or failing the ways Anthropic fails. Expected texts and usage are read from the
 * fixtures the way an Anthropic client reads them, so a fixture can change without the tests
 * going stale.
 */
class AnthropicProviderTest {
    private static final String DIR = "anthropic/";

    private MockProvider mock;
    private TestServer server;

    @BeforeEach
    void start() {
        mock = MockProvider.start();
        server = TestServer.start(anthropic(mock.baseUrl()));
    }

    @AfterEach
    void stop() {
        server.close();
        mock.close();
    }

    /** Five seconds of patience, two retries 10 ms apart. */
    private static AnthropicProvider anthropic(String baseUrl) {
        return new AnthropicProvider(TestServer.patientProviderHttp(), baseUrl, "sk-ant-test", "claude-test");
    }

    // ---- the answer's text, however the bytes are cut

    static Stream<Arguments> fixturesAndChunkings() {
        return withEveryChunking("basic.sse", "long.sse", "dutch.sse", "citations.sse", "thinking-and-unknown-event.sse",
                "cumulative-usage.sse");
    }

    @ParameterizedTest(name = "{0} cut {1}")
    @MethodSource("fixturesAndChunkings")
    void everyFixturesTextArrivesExactlyWhateverTheChunking(String name, Chunking chunking) {
        Fixture fixture = Fixture.read(name);
        mock.enqueue(Reply.sse(fixture.bytes()).chunking(chunking));

        var events = run(request("Tell me something").set("documents", documents(12)));

        assertCompletedWith(fixture.text(), events);
    }

    @Test
    void theLongFixtureIsALongAnswerInManyEvents() {
        Fixture fixture = Fixture.read("long.sse");
        assertTrue(fixture.outputTokens() >= 2000, "output_tokens " + fixture.outputTokens());
        assertTrue(fixture.textDeltas() >= 500, fixture.textDeltas() + " text deltas");
    }

    @Test
    void cuttingInsideEveryMultiByteCharacterLosesNothing() {
        Fixture fixture = Fixture.read("dutch.sse");
        byte[] body = fixture.bytes();
        int[] insideCharacters = IntStream.range(1, body.length).filter(i -> (body[i] & 0xC0) == 0x80).toArray();
        assertTrue(insideCharacters.length >= 20, "the Dutch fixture should be full of multi-byte characters");
        mock.enqueue(Reply.sse(body).splitAt(insideCharacters));

        var events = run(request("Vertel iets over het café"));

        assertCompletedWith(fixture.text(), events);
        assertTrue(deltas(events).contains("😊") && deltas(events).contains("crème brûlée"), deltas(events));
        assertFalse(deltas(events).contains("\uFFFD"), "a character was broken: " + deltas(events));
    }

    @Test
    void cuttingInsideEveryCitationMarkerStillGivesWholeMarkersAndTheirCitations() {
        Fixture fixture = Fixture.read("citations.sse");
        assertTrue(fixture.pieces().containsAll(List.of(" connection at once [1", "2]. Both choices keep")),
                "the fixture splits [12] across two text_delta events");
        String wire = new String(fixture.bytes(), UTF_8);
        // On top of the splits between events, cut the bytes inside every marker and half-marker.
        Matcher inMarker = Pattern.compile("\\[\\d{0,2}]?|\\d{1,2}]").matcher(wire);
        var cuts = new ArrayList<Integer>();
        while (inMarker.find()) {
            for (int i = inMarker.start(); i <= inMarker.end(); i++) cuts.add(wire.substring(0, i).getBytes(UTF_8).length);
        }
        mock.enqueue(Reply.sse(fixture.bytes()).splitAt(cuts.stream().mapToInt(Integer::intValue).distinct().sorted().toArray()));

        var events = run(request("Why does Weft use virtual threads?").set("documents", documents(12)));

        assertCompletedWith(fixture.text(), events);
        var expected = new ArrayList<String>();
        for (Matcher m = MARKER.matcher(fixture.text()); m.find(); ) expected.add(m.group());
        assertTrue(expected.contains("[12]") && expected.contains("[1]"), expected.toString());
        var citations = ofType(events, "citation");
        assertEquals(expected, citations.stream().map(e -> e.text("marker")).toList());
        for (var citation : citations) {
            String n = citation.text("marker").replaceAll("\\D", "");
            assertEquals("doc-" + n, citation.text("document_id"));
            assertEquals("Source " + n, citation.text("title"));
        }
        for (var delta : ofType(events, "delta")) {
            assertFalse(HALF_MARKER.matcher(delta.text("text")).find(), "a delta ends inside a marker: " + delta.text("text"));
        }
    }

    @Test
    void pingsThinkingBlocksUnknownEventsAndUnknownDeltasAreSkipped() {
        Fixture fixture = Fixture.read("thinking-and-unknown-event.sse");
        var names = fixture.events().stream().map(SseEvent::type).collect(Collectors.toSet());
        assertTrue(names.containsAll(List.of("ping", "message_progress")), names.toString());
        assertTrue(new String(fixture.bytes(), UTF_8).contains("\"thinking_delta\""));
        mock.enqueue(Reply.sse(fixture.bytes()));

        var events = run(request("How many weeks are in a year?"));

        assertCompletedWith(fixture.text(), events);
        assertFalse(deltas(events).contains("365 days / 7"), "thinking is not the answer: " + deltas(events));
    }

    @Test
    void aStreamWithoutEventNamesIsReadByTheJsonType() {
        // Some proxies pass on only the data lines; the JSON's type repeats each event's name.
        Fixture fixture = Fixture.read("basic.sse");
        String dataOnly = new String(fixture.bytes(), UTF_8).replaceAll("(?m)^event: .*\n", "");
        mock.enqueue(Reply.sse(dataOnly));

        var events = run(request("What is the capital of France?"));

        assertCompletedWith(fixture.text(), events);
        assertEquals(fixture.outputTokens(), events.getLast().data().get("usage").get("output_tokens").asLong());
    }

    // ---- usage

    @Test
    void usageIsTheInputFromMessageStartAndTheOutputFromMessageDelta() {
        Fixture fixture = Fixture.read("basic.sse");
        mock.enqueue(Reply.sse(fixture.bytes()));

        var events = run(request("What is the capital of France?"));

        for (var event : List.of(only(events, "agent_completed"), events.getLast())) {
            JsonNode usage = event.data().get("usage");
            assertEquals(fixture.inputTokens(), usage.get("input_tokens").asLong(), event.type());
            assertEquals(fixture.outputTokens(), usage.get("output_tokens").asLong(), event.type());
            assertNull(usage.get("estimated"), "reported usage is not an estimate");
        }
    }

    @Test
    void outputTokensAreTheLastRunningTotalNeverTheSumAndCacheReadsCountAsInput() {
        Fixture fixture = Fixture.read("cumulative-usage.sse");
        List<Long> totals = fixture.messageDeltaOutputTokens();
        assertTrue(totals.size() >= 2 && totals.getLast() > totals.getFirst(), "growing running totals: " + totals);
        JsonNode start = fixture.messageStartUsage();
        assertTrue(start.get("cache_read_input_tokens").asLong() > 0, "the fixture reads from the prompt cache");
        mock.enqueue(Reply.sse(fixture.bytes()));

        var events = run(request("What are Server-Sent Events?"));

        assertCompletedWith(fixture.text(), events);
        JsonNode usage = events.getLast().data().get("usage");
        assertEquals(totals.getLast(), usage.get("output_tokens").asLong(), "the last running total, not the sum of " + totals);
        // Weft's input is everything the model read: uncached, written to the cache, and read from it.
        assertEquals(start.get("input_tokens").asLong() + start.get("cache_creation_input_tokens").asLong()
                + start.get("cache_read_input_tokens").asLong(), usage.get("input_tokens").asLong());
    }

    // ---- what Weft sends

    @Test
    void postsAStreamedMessagesRequestWithTheKeyVersionDefaultModelAndDefaultLimit() {
        mock.enqueue(Reply.fixture(DIR + "basic.sse"));

        run(request("What is the capital of France?"));

        assertEquals(1, mock.requests().size());
        var sent = mock.requests().getFirst();
        assertEquals("POST", sent.method());
        assertEquals("/v1/messages", sent.path());
        assertEquals("sk-ant-test", sent.header("x-api-key"));
        assertEquals("2023-06-01", sent.header("anthropic-version"));
        assertEquals("text/event-stream", sent.header("accept"));
        assertTrue(sent.header("content-type").startsWith("application/json"), sent.header("content-type"));
        assertNull(sent.header("Authorization"), "Anthropic's key goes in x-api-key");
        JsonNode body = sent.json();
        assertEquals("claude-test", body.get("model").asText(), "the provider's default model");
        assertTrue(body.get("stream").asBoolean());
        assertEquals(AnthropicProvider.DEFAULT_MAX_TOKENS, body.get("max_tokens").asInt(), "Anthropic requires a limit");
        assertNull(body.get("system"), "no system prompt unless the run has one");
        assertEquals(List.of("user:What is the capital of France?"), turns(body));
    }

    @Test
    void sendsTheSystemPromptTopLevelTheHistoryAlternatingAndTheRunsModelLimitAndDocuments() {
        String firstAnswer = Fixture.read("basic.sse").text();
        mock.enqueue(Reply.fixture(DIR + "basic.sse"));
        mock.enqueue(Reply.fixture(DIR + "citations.sse"));

        var first = run(request("What is the capital of France?").put("system", "Answer briefly."));
        String session = first.getFirst().text("session_id");
        run(request("And why does Weft use virtual threads?").put("session_id", session).put("system", "Answer briefly.")
                .put("model", "claude-other").put("max_tokens", 50).set("documents", documents(2)));

        assertEquals(2, mock.requests().size());
        JsonNode before = mock.requests().getFirst().json();
        assertEquals("Answer briefly.", before.get("system").asText(), "the system prompt is a top-level field");

        JsonNode second = mock.requests().get(1).json();
        assertEquals("claude-other", second.get("model").asText(), "the run's model overrides the default");
        assertEquals(50, second.get("max_tokens").asInt());
        String system = second.get("system").asText();
        assertTrue(system.startsWith("Answer briefly.\n\n"), system);
        assertTrue(system.contains("[1] Source 1\nText of source 1."), system);
        assertTrue(system.contains("[2] Source 2\nText of source 2."), system);
        assertTrue(system.toLowerCase().contains("cite") && system.contains("[1]"), system);
        assertEquals(List.of("user:What is the capital of France?", "assistant:" + firstAnswer,
                "user:And why does Weft use virtual threads?"), turns(second), "the previous run, as streamed");
    }

    @Test
    void anEmptyFailedAnswerInTheHistoryIsLeftOutAndTheUserTurnsMerged() {
        mock.enqueue(Reply.status(401, anthropicError("authentication_error", "invalid x-api-key")));
        mock.enqueue(Reply.fixture(DIR + "basic.sse"));

        var failed = run(request("What is the capital of France?"));
        assertEquals("failed", failed.getLast().text("status"));
        run(request("Hello again?").put("session_id", failed.getFirst().text("session_id")));

        JsonNode second = mock.requests().get(1).json();
        assertEquals(List.of("user:What is the capital of France?\n\nHello again?"), turns(second),
                "Anthropic wants user first, alternating roles, and no empty text");
    }

    @Test
    void theConversationIsMadeToStartWithTheUserAndAlternate() {
        var sent = AnthropicProvider.alternating(List.of(
                ChatMessage.assistant("How can I help?"), ChatMessage.user("Hi"), ChatMessage.user("Are you there?"),
                ChatMessage.assistant(""), ChatMessage.assistant("Yes."), ChatMessage.assistant("  "),
                ChatMessage.user("Good")));

        assertEquals(List.of(AnthropicProvider.Turn.text(ChatMessage.Role.USER, "Hi\n\nAre you there?"),
                AnthropicProvider.Turn.text(ChatMessage.Role.ASSISTANT, "Yes."),
                AnthropicProvider.Turn.text(ChatMessage.Role.USER, "Good")), sent);
    }

    @Test
    void aTrailingSlashOnTheBaseUrlIsIgnored() {
        try (var slashed = TestServer.start(anthropic(mock.baseUrl() + "/"))) {
            mock.enqueue(Reply.fixture(DIR + "basic.sse"));

            assertEquals("completed", runToDone(slashed, request("Hi")).getLast().text("status"));
            assertEquals("/v1/messages", mock.requests().getFirst().path());
        }
    }

    @Test
    void aBaseUrlThatIsNotHttpIsRefusedAtStartNamingIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> anthropic("api.anthropic.com"));
        assertTrue(e.getMessage().contains("'api.anthropic.com'") && e.getMessage().contains("ANTHROPIC_BASE_URL"), e.getMessage());
    }

    // ---- failures before the answer

    @Test
    void overloaded529BeforeAnyTextIsRetriedAndThenSucceeds() {
        mock.enqueue(Reply.status(529, anthropicError("overloaded_error", "Overloaded")));
        mock.enqueue(Reply.fixture(DIR + "basic.sse"));

        var events = run(request("Hi"));

        assertCompletedWith(Fixture.read("basic.sse").text(), events);
        assertEquals(2, mock.requests().size(), "one refusal, one retry");
        assertTrue(ofType(events, "error").isEmpty(), "a retry that succeeds is not an error");
    }

    @Test
    void aRejectedKeyIsProviderAuthWithAnthropicsMessageAndNeverRetried() {
        mock.enqueue(Reply.status(401, anthropicError("authentication_error", "invalid x-api-key")));
        mock.enqueue(Reply.fixture(DIR + "basic.sse"));

        var error = assertFailed(run(request("Hi")), "provider_auth");

        assertTrue(error.text("message").contains("invalid x-api-key"), error.text("message"));
        assertFalse(error.data().get("retryable").asBoolean());
        assertEquals(1, mock.requests().size(), "a refused key is not retried");
    }

    @Test
    void anInvalidRequestIsProviderBadRequestPassingOnAnthropicsMessage() {
        String message = "max_tokens: 30000 > 8192, which is the maximum allowed number of output tokens for claude-test";
        mock.enqueue(Reply.status(400, anthropicError("invalid_request_error", message)));

        var error = assertFailed(run(request("Hi").put("max_tokens", 30000)), "provider_bad_request");

        assertTrue(error.text("message").contains(message), error.text("message"));
        assertFalse(error.data().get("retryable").asBoolean());
        assertEquals(1, mock.requests().size());
    }

    // ---- failures mid-answer: never retried once text has streamed

    @Test
    void overloadedErrorAfterTextFailsTheRunKeepingThePartialTextWithEstimatedUsage() {
        Fixture fixture = Fixture.read("overloaded-mid-stream.sse");
        assertTrue(fixture.events().getLast().type().equals("error"), "the fixture ends with an error event");
        mock.enqueue(Reply.sse(fixture.bytes()));
        mock.enqueue(Reply.fixture(DIR + "basic.sse"));

        var events = run(request("Summarise the report"));

        var error = assertFailed(events, "provider_unavailable");
        assertTrue(error.text("message").contains("overloaded_error") && error.text("message").contains("Overloaded"),
                error.text("message"));
        assertTrue(error.data().get("retryable").asBoolean());
        String partial = fixture.text();
        assertFalse(partial.isEmpty());
        assertEquals(partial, deltas(events));
        assertEquals(partial, only(events, "agent_completed").text("text"));
        assertEquals(partial, events.getLast().text("output"));
        // Anthropic sent no final usage, and a failed call hands back none: the run estimates.
        for (var event : List.of(only(events, "agent_completed"), events.getLast())) {
            JsonNode usage = event.data().get("usage");
            assertTrue(usage.get("estimated").asBoolean(), event.type());
            assertEquals(Usage.estimateTokens(partial), usage.get("output_tokens").asLong(), event.type());
        }
        assertEquals(1, mock.requests().size(), "not retried after text");

        var answer = TestServer.json(server.get("/v1/sessions/" + events.getFirst().text("session_id"))).get("messages").get(1);
        assertEquals("assistant", answer.get("role").asText());
        assertEquals(partial, answer.get("content").asText());
        assertEquals("failed", answer.get("status").asText());
    }

    @Test
    void aRefusalStopFailsTheRunAsRefusedAfterTheTextSoFar() {
        Fixture fixture = Fixture.read("refusal.sse");
        mock.enqueue(Reply.sse(fixture.bytes()));

        var events = run(request("Hi"));

        var error = assertFailed(events, "provider_refused");
        assertTrue(error.text("message").contains("refusal"), error.text("message"));
        assertTrue(error.text("message").contains("This request was refused due to policy."), error.text("message"));
        assertEquals(fixture.text(), deltas(events));
    }

    @Test
    void maxTokensIsANormalEndOfTheAnswer() {
        Fixture fixture = Fixture.read("basic.sse");
        mock.enqueue(Reply.sse(new String(fixture.bytes(), UTF_8).replace("\"end_turn\"", "\"max_tokens\"")));

        assertCompletedWith(fixture.text(), run(request("Hi").put("max_tokens", 58)));
    }

    @Test
    void aStreamThatEndsWithoutMessageStopIsProviderProtocol() {
        Fixture fixture = Fixture.read("basic.sse");
        String wire = new String(fixture.bytes(), UTF_8);
        String cut = wire.substring(0, wire.indexOf("event: message_stop"));
        mock.enqueue(Reply.sse(cut));

        var events = run(request("Hi"));

        var error = assertFailed(events, "provider_protocol");
        assertTrue(error.text("message").contains("message_stop"), error.text("message"));
        assertEquals(fixture.text(), deltas(events));
        assertEquals(1, mock.requests().size(), "a 200 stream that broke is not requested again");
    }

    @Test
    void malformedJsonIsProviderProtocolQuotingTheStartOfTheBadData() {
        String wire = new String(Fixture.read("basic.sse").bytes(), UTF_8);
        int fifth = endOfEvent(wire, 5);
        String bad = "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" Par"
                + "is is also the seat of the national government and of many international organisations".repeat(4);
        mock.enqueue(Reply.sse(wire.substring(0, fifth) + "event: content_block_delta\ndata: " + bad + "\n\n" + wire.substring(fifth)));

        var events = run(request("Hi"));

        var error = assertFailed(events, "provider_protocol");
        String message = error.text("message");
        assertTrue(message.contains("{\"type\":\"content_block_delta\",\"index\":0"), message);
        assertTrue(message.length() < 500 && !message.contains(bad), "the bad data is quoted, not dumped: " + message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "overloaded_error, UNAVAILABLE", "api_error, UNAVAILABLE", "rate_limit_error, RATE_LIMITED",
            "authentication_error, AUTH", "permission_error, AUTH", "invalid_request_error, BAD_REQUEST",
            "not_found_error, BAD_REQUEST", "timeout_error, TIMEOUT", "some_future_error, UNAVAILABLE"})
    void anErrorEventIsClassifiedByItsTypeAndCarriesAnthropicsMessage(String type, ProviderException.Kind kind) throws IOException {
        var e = AnthropicProvider.streamError(TestServer.JSON.readTree(anthropicError(type, "Words from Anthropic")).get("error"));

        assertEquals(kind, e.kind());
        assertTrue(e.getMessage().endsWith("(" + type + "): Words from Anthropic"), e.getMessage());
    }

    // ---- stopping a run closes the upstream connection

    @Test
    void cancellingTheRunClosesTheConnectionToAnthropicWithin500Ms() throws Exception {
        String wire = new String(Fixture.read("basic.sse").bytes(), UTF_8);
        var reply = mock.enqueue(Reply.sse(wire.substring(0, endOfEvent(wire, 6))).thenTrickle(Duration.ofMillis(20)));

        try (SseStream stream = server.streamRun(request("Hi").toString())) {
            String runId = stream.nextEvent().text("run_id");
            while (!stream.nextEvent().type().equals("delta")) { }
            long cancelled = System.nanoTime();
            assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
            var rest = stream.readToDone();
            long closed = reply.closed().get(5, TimeUnit.SECONDS);

            assertEquals("cancelled", rest.getLast().text("status"));
            long afterMs = TimeUnit.NANOSECONDS.toMillis(closed - cancelled);
            assertTrue(afterMs < 500, "the mock saw the connection close " + afterMs + " ms after the cancel request");
        }
    }

    // ---- helpers

    private static ObjectNode request(String input) {
        return TestServer.JSON.createObjectNode().put("input", input).put("provider", "anthropic");
    }

    /** An error body as Anthropic writes it, for an HTTP refusal or (its "error" member) an error event. */
    private static String anthropicError(String type, String message) {
        var body = TestServer.JSON.createObjectNode().put("type", "error");
        body.putObject("error").put("type", type).put("message", message);
        body.put("request_id", "req_011CUjWzK4sPgqHfY6r2NbVD");
        return body.toString();
    }

    /** A streamed run on this test's server. */
    private List<SseStream.Event> run(ObjectNode body) {
        return runToDone(server, body);
    }

    private static List<String> turns(JsonNode body) {
        var all = new ArrayList<String>();
        body.get("messages").forEach(m -> all.add(m.get("role").asText() + ":" + m.get("content").asText()));
        return all;
    }

    /**
     * A transcript in {@code test-fixtures/anthropic/}, read the way a client of Anthropic reads
     * it: the text is every text block's text, the usage the running totals' last values.
     */
    private record Fixture(byte[] bytes, List<SseEvent> events) {
        static Fixture read(String name) {
            try {
                byte[] bytes = Files.readAllBytes(MockProvider.FIXTURES.resolve(DIR + name));
                var events = new ArrayList<SseEvent>();
                SseParser.parse(new ByteArrayInputStream(bytes), (SseEvent event) -> events.add(event));
                assertFalse(events.isEmpty(), "fixture " + name + " has no events");
                return new Fixture(bytes, events);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        List<JsonNode> json(String type) {
            return events.stream().filter(e -> e.type().equals(type)).map(e -> {
                try {
                    return TestServer.JSON.readTree(e.data());
                } catch (IOException bad) {
                    throw new UncheckedIOException("a fixture has bad JSON: " + e.data(), bad);
                }
            }).toList();
        }

        /** The text_delta pieces, in order. */
        List<String> pieces() {
            return json("content_block_delta").stream().map(j -> j.path("delta"))
                    .filter(d -> d.path("type").asText().equals("text_delta")).map(d -> d.path("text").asText()).toList();
        }

        String text() {
            return String.join("", pieces());
        }

        int textDeltas() {
            return pieces().size();
        }

        JsonNode messageStartUsage() {
            return json("message_start").getFirst().path("message").path("usage");
        }

        List<Long> messageDeltaOutputTokens() {
            return json("message_delta").stream().map(j -> j.path("usage").path("output_tokens").asLong()).toList();
        }

        /** The last running total: the answer's output tokens. */
        long outputTokens() {
            return messageDeltaOutputTokens().getLast();
        }

        /** Everything the model read, as Weft counts it: uncached input plus cache writes and reads. */
        long inputTokens() {
            JsonNode u = messageStartUsage();
            return u.path("input_tokens").asLong() + u.path("cache_creation_input_tokens").asLong()
                    + u.path("cache_read_input_tokens").asLong();
        }
    }
}
