package weft.openai;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.providers.ChatMessage;
import weft.testing.PartScript;
import weft.testing.TestServer;
import weft.testing.Tokens;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.testing.PartScript.answer;
import static weft.testing.PartScript.hasResults;
import static weft.testing.PartScript.text;

/**
 * {@code POST /v1/chat/completions} over real HTTP: OpenAI's chunks and objects, byte for byte
 * where OpenAI fixes them, for a chat, a workflow, function calls, failures and cancels; and
 * every request a normal Weft run.
 */
class ChatCompletionsTest {
    private static final String WEATHER = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":"
            + "\"The weather in a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
            + "\"required\":[\"city\"]}}}";

    private static final PartScript SCRIPT = new PartScript("script", r -> hasResults(r)
            ? answer("stop", text("Results: ", r.messages().getLast().content()))
            : answer("stop", text("Heard: ", r.lastUserText())));
    /** Two pieces of text, then the provider's own trouble, as a real provider reports a 5xx mid-answer. */
    private static final weft.providers.Provider FAILING = new weft.providers.Provider() {
        @Override public String name() { return "failing"; }

        @Override public String defaultModel() { return "failing-model"; }

        @Override
        public void stream(weft.providers.ModelRequest request, weft.providers.PartSink sink) throws weft.providers.ProviderException {
            sink.accept(new weft.providers.Part.Text("Half "));
            sink.accept(new weft.providers.Part.Text("an "));
            throw new weft.providers.ProviderException(weft.providers.ProviderException.Kind.UNAVAILABLE, "the provider is overloaded");
        }
    };
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WEFT_PROVIDER", "demo", "WEFT_DEMO_TOKENS_PER_SECOND", "400"), SCRIPT, FAILING);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The body of a stream as its frames' payloads, each checked to be exactly {@code data: …\n\n}. */
    private static List<String> frames(String body) {
        assertTrue(body.endsWith("\n\n"), "a stream ends with a whole frame: " + body);
        var payloads = new ArrayList<String>();
        for (String frame : body.substring(0, body.length() - 2).split("\n\n", -1)) {
            assertTrue(frame.startsWith("data: ") && !frame.contains("\n"), "one data line per frame, nothing else: " + frame);
            payloads.add(frame.substring(6));
        }
        return payloads;
    }

    private static List<JsonNode> chunks(List<String> frames) {
        return frames.stream().filter(f -> !f.equals("[DONE]")).map(ChatCompletionsTest::parse).toList();
    }

    private static JsonNode parse(String json) {
        try {
            return TestServer.JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(json, e);
        }
    }

    private static String content(List<JsonNode> chunks, String field) {
        return chunks.stream().flatMap(c -> java.util.stream.StreamSupport.stream(c.path("choices").spliterator(), false))
                .map(choice -> choice.path("delta").path(field).asText("")).collect(Collectors.joining());
    }

    private static HttpResponse<String> chat(String body, String... headers) {
        var request = HttpRequest.newBuilder(server.uri("/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) request.headers(headers);
        return server.send(request);
    }

    private static JsonNode error(HttpResponse<String> response) {
        JsonNode error = TestServer.json(response).path("error");
        assertEquals(List.of("message", "type", "param", "code"), fieldNames(error), "OpenAI's error fields, in order: " + response.body());
        return error;
    }

    private static List<String> fieldNames(JsonNode node) {
        var names = new ArrayList<String>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    // ---- streamed

    @Test
    void aStreamIsARoleChunkContentChunksAFinishChunkTheUsageChunkAndDone() {
        var response = chat("{\"model\":\"demo\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":6,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about streams\"}]}");
        assertEquals(200, response.statusCode());
        assertEquals("text/event-stream; charset=utf-8", response.headers().firstValue("Content-Type").orElseThrow());
        String runId = response.headers().firstValue("X-Run-Id").orElseThrow();
        List<String> frames = frames(response.body());
        assertEquals("[DONE]", frames.getLast());
        List<JsonNode> chunks = chunks(frames);

        long created = chunks.getFirst().path("created").asLong();
        assertEquals("{\"id\":\"chatcmpl-" + runId + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                + ",\"model\":\"demo\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}", frames.getFirst());
        for (JsonNode c : chunks) {
            assertEquals("chatcmpl-" + runId, c.path("id").asText());
            assertEquals(created, c.path("created").asLong(), "one created time for the whole completion");
        }
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertEquals("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"length\"}",
                finish.path("choices").get(0).toString(), "six tokens asked for, cut at six");
        JsonNode usage = chunks.getLast();
        assertEquals("[]", usage.path("choices").toString());
        String head = "{\"id\":\"chatcmpl-" + runId + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                + ",\"model\":\"demo\",";
        assertEquals(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":" + TestServer.JSON.valueToTree(
                chunks.get(1).path("choices").get(0).path("delta").path("content").asText()) + "},\"logprobs\":null,"
                + "\"finish_reason\":null}],\"usage\":null}", frames.get(1));
        assertEquals(head + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + usage.path("usage").path("prompt_tokens")
                + ",\"completion_tokens\":6,\"total_tokens\":" + usage.path("usage").path("total_tokens") + "}}", frames.get(frames.size() - 2));

        JsonNode run = TestServer.json(server.get("/v1/runs/" + runId));
        assertEquals("completed", run.path("status").asText());
        assertEquals(run.path("output").asText(), content(chunks, "content"), "the content chunks are the run's output");
        assertEquals(run.path("usage").path("output_tokens").asLong(), usage.path("usage").path("completion_tokens").asLong());
        assertEquals(run.path("usage").path("input_tokens").asLong(), usage.path("usage").path("prompt_tokens").asLong());
        assertEquals(usage.path("usage").path("prompt_tokens").asLong() + usage.path("usage").path("completion_tokens").asLong(),
                usage.path("usage").path("total_tokens").asLong());
        assertTrue(run.path("session_id").isNull(), "nothing is kept as a session: " + run);
    }

    @Test
    void withoutIncludeUsageNoChunkMentionsUsageAndTheStreamEndsWithFinishThenDone() {
        var response = chat("{\"model\":\"script\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        List<String> frames = frames(response.body());
        assertFalse(response.body().contains("usage"), response.body());
        assertEquals(List.of("", "Heard: ", "hi", ""), chunks(frames).stream()
                .map(c -> c.path("choices").get(0).path("delta").path("content").asText("")).toList());
        assertEquals("stop", chunks(frames).getLast().path("choices").get(0).path("finish_reason").asText());
        assertEquals("[DONE]", frames.getLast());
    }

    // ---- not streamed

    @Test
    void withoutStreamTheAnswerIsOneChatCompletionWithTheRunsOutputAndUsage() {
        var response = chat("{\"model\":\"script\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}");
        assertEquals(200, response.statusCode(), response.body());
        String runId = response.headers().firstValue("X-Run-Id").orElseThrow();
        JsonNode json = TestServer.json(response);
        assertEquals(List.of("id", "object", "created", "model", "choices", "usage"), fieldNames(json));
        assertEquals("chatcmpl-" + runId, json.path("id").asText());
        assertEquals("chat.completion", json.path("object").asText());
        assertEquals("script", json.path("model").asText());
        assertEquals("{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Heard: hello there\",\"refusal\":null,"
                + "\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}", json.path("choices").get(0).toString());
        assertEquals("{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}", json.path("usage").toString());
    }

    // ---- messages are the conversation

    @Test
    void messagesAreTheWholeConversationSystemAndDeveloperBecomeTheSystemPrompt() {
        int before = SCRIPT.requests().size();
        var response = chat("""
                {"model":"script","messages":[
                  {"role":"system","content":"Be brief."},
                  {"role":"developer","content":[{"type":"text","text":"Answer in "},{"type":"text","text":"English."}]},
                  {"role":"user","content":"First?"},
                  {"role":"assistant","content":"First."},
                  {"role":"user","content":[{"type":"text","text":"Second?"}]}]}""");
        assertEquals(200, response.statusCode(), response.body());
        var request = SCRIPT.requests().get(before);
        assertEquals("Be brief.\n\nAnswer in English.", request.system());
        assertEquals(List.of(ChatMessage.user("First?"), ChatMessage.assistant("First."), ChatMessage.user("Second?")),
                request.messages());
    }

    @Test
    void samplingFieldsReachTheModelAndMaxCompletionTokensWinsOverMaxTokens() {
        int before = SCRIPT.requests().size();
        chat("{\"model\":\"script\",\"temperature\":0.5,\"top_p\":0.9,\"stop\":[\"END\"],\"user\":\"u-7\","
                + "\"max_tokens\":50,\"max_completion_tokens\":20,\"seed\":3,\"logprobs\":false,\"metadata\":{\"a\":\"b\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        var request = SCRIPT.requests().get(before);
        assertEquals(new weft.providers.Sampling(0.5, 0.9, List.of("END"), "u-7"), request.sampling());
        assertEquals(20, request.maxTokens());
    }

    @Test
    void theDemoModelStopsBeforeAStopString() {
        var free = TestServer.json(chat("{\"model\":\"demo\",\"max_tokens\":12,\"messages\":[{\"role\":\"user\",\"content\":\"streams\"}]}"));
        String text = free.path("choices").get(0).path("message").path("content").asText();
        String stop = text.split(" ")[3];
        var stopped = TestServer.json(chat("{\"model\":\"demo\",\"max_tokens\":12,\"stop\":\"" + stop
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"streams\"}]}"));
        assertEquals(text.substring(0, text.indexOf(stop)), stopped.path("choices").get(0).path("message").path("content").asText());
    }

    // ---- function tools

    @Test
    void aFunctionCallStreamsAsToolCallsDeltasAndEndsTheAnswerWithFinishReasonToolCalls() {
        var response = chat("{\"model\":\"demo\",\"stream\":true,\"tools\":[" + WEATHER + "],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"What is the weather in Utrecht?\"}]}");
        List<JsonNode> chunks = chunks(frames(response.body()));
        var calls = chunks.stream().map(c -> c.path("choices").get(0).path("delta").path("tool_calls"))
                .filter(JsonNode::isArray).toList();
        JsonNode first = calls.getFirst().get(0);
        assertEquals("{\"index\":0,\"id\":\"call_demo_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"\"}}", first.toString());
        assertTrue(calls.size() > 2, "the arguments arrive in pieces: " + calls);
        assertEquals("{\"city\":\"Utrecht\"}", calls.stream().map(c -> c.get(0).path("function").path("arguments").asText(""))
                .collect(Collectors.joining()));
        assertEquals("tool_calls", chunks.getLast().path("choices").get(0).path("finish_reason").asText());
        JsonNode run = TestServer.json(server.get("/v1/runs/" + response.headers().firstValue("X-Run-Id").orElseThrow()));
        assertEquals("completed", run.path("status").asText(), "the run ended: it waits for nothing");
    }

    @Test
    void notStreamedTheCallsAreTheMessagesToolCallsWithNullContentWhenThereIsNoText() {
        var json = TestServer.json(chat("{\"model\":\"demo\",\"tool_choice\":{\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_weather\"}},\"tools\":[" + WEATHER + "],\"messages\":[{\"role\":\"user\",\"content\":\"Utrecht?\"}]}"));
        JsonNode choice = json.path("choices").get(0);
        assertEquals("tool_calls", choice.path("finish_reason").asText(), json.toString());
        JsonNode call = choice.path("message").path("tool_calls").get(0);
        assertEquals("get_weather", call.path("function").path("name").asText());
        assertTrue(call.path("function").path("arguments").isTextual(), "arguments are JSON text, as OpenAI sends them");
        assertEquals("Utrecht", parse(call.path("function").path("arguments").asText()).path("city").asText());
    }

    @Test
    void theClientsResultsInItsNextRequestGoToTheModelWhichAnswers() {
        int before = SCRIPT.requests().size();
        var json = TestServer.json(chat("""
                {"model":"script","tools":[%s],"messages":[
                  {"role":"user","content":"Weather?"},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Utrecht\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"{\\"sky\\":\\"clear\\"}"}]}""".formatted(WEATHER)));
        assertEquals("Results: {\"sky\":\"clear\"}", json.path("choices").get(0).path("message").path("content").asText(), json.toString());
        var seen = SCRIPT.requests().get(before).messages();
        assertEquals(ChatMessage.Role.TOOL, seen.getLast().role());
        assertEquals("call_1", seen.getLast().result().callId());
        assertEquals("get_weather", seen.getLast().result().name());
        assertEquals("{\"city\":\"Utrecht\"}", seen.get(1).toolCalls().getFirst().arguments());
    }

    @Test
    void toolChoiceNoneMeansTheDemoCallsNothing() {
        var json = TestServer.json(chat("{\"model\":\"demo\",\"tool_choice\":\"none\",\"tools\":[" + WEATHER + "],"
                + "\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"What is the weather in Utrecht?\"}]}"));
        assertTrue(json.path("choices").get(0).path("message").path("tool_calls").isMissingNode(), json.toString());
    }

    // ---- a workflow as a model

    @Test
    void aWorkflowStreamsItsOtherAgentsAsReasoningAndItsFinalAgentAsContent() {
        var response = chat("{\"model\":\"workflow/research\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Kafka or Redis for streams?\"}]}");
        List<JsonNode> chunks = chunks(frames(response.body()));
        String reasoning = content(chunks, "reasoning_content");
        assertTrue(reasoning.startsWith("[planner] "), reasoning);
        assertTrue(reasoning.contains("[researcher-1] "), reasoning);
        JsonNode run = TestServer.json(server.get("/v1/runs/" + response.headers().firstValue("X-Run-Id").orElseThrow()));
        assertEquals("research", run.path("workflow").asText());
        assertEquals(run.path("output").asText(), content(chunks, "content"), "the synthesizer's text is the content");
        assertFalse(reasoning.contains("[synthesizer]"));
    }

    // ---- failures

    @Test
    void aProviderThatFailsMidStreamEndsTheStreamWithAnErrorInOpenAisShapeAndNoDone() {
        var response = chat("{\"model\":\"failing\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}");
        List<String> frames = frames(response.body());
        assertEquals("Half an ", content(chunks(frames.subList(0, frames.size() - 1)), "content"));
        JsonNode error = parse(frames.getLast()).path("error");
        assertEquals(List.of("message", "type", "param", "code"), fieldNames(error));
        assertEquals("server_error", error.path("type").asText());
        assertEquals("provider_unavailable", error.path("code").asText());
        assertFalse(response.body().contains("[DONE]"));
    }

    @Test
    void notStreamedAFailedRunIsAnErrorStatusInOpenAisShape() {
        var response = chat("{\"model\":\"failing\",\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}");
        assertEquals(503, response.statusCode(), response.body());
        assertEquals("provider_unavailable", error(response).path("code").asText());
    }

    @Test
    void cancellingTheRunEndsItsStreamWithACancelledError() throws Exception {
        var request = HttpRequest.newBuilder(server.uri("/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"stream\":true,\"max_tokens\":4000,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"a long one\"}]}"));
        HttpResponse<InputStream> response = server.http().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        String runId = response.headers().firstValue("X-Run-Id").orElseThrow();
        try (var lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertTrue(lines.readLine().contains("\"role\":\"assistant\""));
            assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
            String last = null;
            for (String line; (line = lines.readLine()) != null; ) if (!line.isEmpty()) last = line;
            JsonNode error = parse(last.substring(6)).path("error");
            assertEquals("cancelled", error.path("code").asText(), last);
        }
    }

    // ---- bad input, in OpenAI's shape

    @Test
    void anUnknownModelIsA404ModelNotFound() {
        var response = chat("{\"model\":\"workflow/nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(404, response.statusCode());
        JsonNode error = error(response);
        assertEquals("model_not_found", error.path("code").asText());
        assertEquals("model", error.path("param").asText());
        assertEquals("invalid_request_error", error.path("type").asText());
        var unconfigured = chat("{\"model\":\"anthropic/claude-x\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(404, unconfigured.statusCode());
        assertTrue(error(unconfigured).path("message").asText().contains("ANTHROPIC_API_KEY"), unconfigured.body());
    }

    @Test
    void eachBadRequestIsA400NamingTheParam() {
        Map<String, String> cases = Map.ofEntries(
                Map.entry("{\"model\":\"demo\",\"messages\":[]}", "messages"),
                Map.entry("{\"model\":\"demo\"}", "messages"),
                Map.entry("{\"model\":\"demo\",\"messages\":\"hi\"}", "messages"),
                Map.entry("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "model"),
                Map.entry("{\"model\":\"demo\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "n"),
                Map.entry("{\"model\":\"demo\",\"temperature\":\"hot\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "temperature"),
                Map.entry("{\"model\":\"demo\",\"temperature\":3,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "temperature"),
                Map.entry("{\"model\":\"demo\",\"seed\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "seed"),
                Map.entry("{\"model\":\"demo\",\"colour\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "colour"),
                Map.entry("{\"model\":\"demo\",\"stop\":[1],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "stop"),
                Map.entry("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}",
                        "messages[0].content[0].type"),
                Map.entry("{\"model\":\"demo\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}", "messages[0].role"),
                Map.entry("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"tool\","
                        + "\"tool_call_id\":\"call_9\",\"content\":\"1\"}]}", "messages[1]"),
                Map.entry("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\","
                        + "\"content\":\"y\"}]}", "messages"),
                Map.entry("{\"model\":\"demo\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"bad name\","
                        + "\"parameters\":{\"type\":\"object\"}}}],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "tools[0].function"),
                Map.entry("{\"model\":\"demo\",\"tool_choice\":\"required\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "tool_choice"),
                Map.entry("{\"model\":\"demo\",\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                        "stream_options"),
                Map.entry("{\"model\":\"demo\",\"input\":\"hi\"}", "input"));
        cases.forEach((body, param) -> {
            var response = chat(body);
            assertEquals(400, response.statusCode(), body + " → " + response.body());
            assertEquals(param, error(response).path("param").asText(), body + " → " + response.body());
        });
        assertTrue(error(chat("{\"model\":\"demo\",\"input\":\"hi\"}")).path("message").asText().contains("/v1/responses"));
        assertEquals("Unrecognized request argument supplied: colour",
                error(chat("{\"model\":\"demo\",\"colour\":1,\"messages\":[]}")).path("message").asText());
    }

    @Test
    void aBodyThatIsNotJsonIsA400InOpenAisShape() {
        var response = chat("{\"model\":");
        assertEquals(400, response.statusCode());
        assertEquals("invalid_request_error", error(response).path("type").asText());
    }

    // ---- /v1/models

    @Test
    void modelsListsEveryProviderItsDefaultModelAndEveryWorkflow() {
        JsonNode json = TestServer.json(server.get("/v1/models"));
        assertEquals("list", json.path("object").asText());
        var ids = new ArrayList<String>();
        json.path("data").forEach(m -> {
            assertEquals(List.of("id", "object", "created", "owned_by"), fieldNames(m));
            assertEquals("model", m.path("object").asText());
            ids.add(m.path("id").asText());
        });
        assertTrue(ids.containsAll(List.of("demo", "script", "workflow/research")), ids.toString());
        assertFalse(ids.contains("workflow/chat"), "chat is what a provider's model already is");
        assertEquals("workflow/research", TestServer.json(server.get("/v1/models/workflow/research")).path("id").asText());
        assertEquals("workflow/research", TestServer.json(server.get("/v1/models/workflow%2Fresearch")).path("id").asText());
        var missing = server.get("/v1/models/workflow/nope");
        assertEquals(404, missing.statusCode());
        assertEquals("model_not_found", error(missing).path("code").asText());
    }

    // ---- authentication

    @Test
    void withAuthenticationOnAMissingTokenIsA401InOpenAisShapeAndAnotherUsersRunIsHidden() {
        try (var secured = TestServer.start(Tokens.env())) {
            var request = HttpRequest.newBuilder(secured.uri("/v1/chat/completions")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
            var refused = secured.send(request);
            assertEquals(401, refused.statusCode());
            assertEquals("invalid_api_key", error(refused).path("code").asText());
            var ok = secured.send(request.copy().header("Authorization", "Bearer " + Tokens.of("alice")));
            assertEquals(200, ok.statusCode(), ok.body());
            String runId = ok.headers().firstValue("X-Run-Id").orElseThrow();
            var mine = secured.send(HttpRequest.newBuilder(secured.uri("/v1/runs/" + runId)).header("Authorization", "Bearer " + Tokens.of("alice")));
            assertEquals(200, mine.statusCode());
            var theirs = secured.send(HttpRequest.newBuilder(secured.uri("/v1/runs/" + runId)).header("Authorization", "Bearer " + Tokens.of("bob")));
            assertEquals(404, theirs.statusCode());
            var models = secured.send(HttpRequest.newBuilder(secured.uri("/v1/models")));
            assertEquals(401, models.statusCode());
            assertNull(TestServer.json(models).path("error").get("param").textValue());
        }
    }
}
