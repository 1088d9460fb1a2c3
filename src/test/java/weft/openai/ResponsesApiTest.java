package weft.openai;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.providers.ChatMessage;
import weft.testing.PartScript;
import weft.testing.ScriptedProvider;
import weft.testing.TestServer;
import weft.testing.Tokens;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenAI's Responses over real HTTP: the events, the response object, conversations, resumes, errors. */
class ResponsesApiTest {
    private static final String WEATHER = "[{\"type\":\"function\",\"name\":\"get_weather\",\"description\":\"The weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}]";

    private static final ScriptedProvider FAILING = ScriptedProvider.of("failing", List.of("Half", " an")).failingAfter(2);
    private static final ScriptedProvider SLOW = ScriptedProvider.of("slow", Collections.nCopies(500, "word "))
            .pausing(Duration.ofMillis(20));
    private static final ScriptedProvider ECHO = ScriptedProvider.of("echo", r -> List.of("turn " + r.messages().size()));
    private static final PartScript CUT = new PartScript("cut", r -> PartScript.answer("length", PartScript.text("Half an ans")));
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of(), FAILING, SLOW, ECHO, CUT);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** One SSE frame of a Responses stream: its {@code event:} name and its data. */
    private record Frame(String event, JsonNode data, String raw) {}

    private static List<Frame> frames(String body) {
        var frames = new ArrayList<Frame>();
        for (String raw : body.split("\n\n")) {
            if (raw.isBlank() || raw.startsWith(":")) continue;
            String[] lines = raw.split("\n");
            assertTrue(lines[0].startsWith("event: ") && lines[1].startsWith("data: "), raw);
            try {
                frames.add(new Frame(lines[0].substring(7), TestServer.JSON.readTree(lines[1].substring(6)), raw + "\n\n"));
            } catch (java.io.IOException e) {
                throw new AssertionError(raw, e);
            }
        }
        return frames;
    }

    private static List<String> types(List<Frame> frames) {
        return frames.stream().map(Frame::event).toList();
    }

    private static HttpResponse<String> create(String fields) {
        return server.post("/v1/responses", "{" + fields + "}");
    }

    private static String runOf(JsonNode response) {
        return response.get("id").asText().substring("resp_".length());
    }

    @Test
    void aStreamedAnswerIsOpenAisEventsNumberedFromZero() {
        var response = create("\"model\":\"demo\",\"input\":\"What is streaming?\",\"stream\":true");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        String runId = response.headers().firstValue("X-Run-Id").orElseThrow();
        List<Frame> frames = frames(response.body());
        List<String> types = types(frames);
        int deltas = types.size() - 8;
        var expected = new ArrayList<>(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added"));
        expected.addAll(Collections.nCopies(deltas, "response.output_text.delta"));
        expected.addAll(List.of("response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.completed"));
        assertEquals(String.join(",", expected), String.join(",", types));
        for (int i = 0; i < frames.size(); i++) {
            assertEquals(frames.get(i).event(), frames.get(i).data().get("type").asText());
            assertEquals(i, frames.get(i).data().get("sequence_number").asInt());
        }
        String id = "resp_" + runId, item = "msg_" + runId + "_0";
        JsonNode created = frames.get(0).data().get("response");
        assertEquals(id, created.get("id").asText());
        assertEquals("response", created.get("object").asText());
        assertEquals("in_progress", created.get("status").asText());
        assertEquals("demo", created.get("model").asText());
        assertEquals(0, created.get("output").size());
        assertTrue(created.get("usage").isNull());
        assertEquals("{\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":\"message\",\"id\":\""
                + item + "\",\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]},\"sequence_number\":2}",
                frames.get(2).data().toString());
        assertEquals("{\"type\":\"response.content_part.added\",\"item_id\":\"" + item + "\",\"output_index\":0,"
                + "\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[]},\"sequence_number\":3}",
                frames.get(3).data().toString());
        var text = new StringBuilder();
        for (Frame f : frames.subList(4, 4 + deltas)) {
            assertEquals(List.of("type", "item_id", "output_index", "content_index", "delta", "logprobs", "sequence_number"),
                    fieldNames(f.data()));
            assertEquals(item, f.data().get("item_id").asText());
            text.append(f.data().get("delta").asText());
        }
        String output = server.awaitEnd(runId).output();
        assertEquals(output, text.toString());
        assertEquals(output, frames.get(4 + deltas).data().get("text").asText());
        assertEquals(output, frames.get(5 + deltas).data().at("/part/text").asText());
        assertEquals("completed", frames.get(6 + deltas).data().at("/item/status").asText());
        JsonNode completed = frames.getLast().data().get("response");
        assertEquals("completed", completed.get("status").asText());
        assertEquals(output, completed.at("/output/0/content/0/text").asText());
        JsonNode usage = completed.get("usage");
        assertEquals(usage.get("input_tokens").asLong() + usage.get("output_tokens").asLong(), usage.get("total_tokens").asLong());
        assertTrue(usage.get("output_tokens").asLong() > 0);
        assertEquals(List.of("id", "object", "created_at", "status", "background", "error", "incomplete_details",
                "instructions", "max_output_tokens", "model", "output", "parallel_tool_calls", "previous_response_id",
                "reasoning", "store", "temperature", "text", "tool_choice", "tools", "top_p", "truncation", "usage", "user",
                "metadata"), fieldNames(completed));
        assertEquals("completed", TestServer.json(server.get("/v1/runs/" + runId)).get("status").asText());
    }

    @Test
    void aResponseNotStreamedIsTheStreamFoldedAndGetReturnsTheSame() {
        var response = create("\"model\":\"demo\",\"input\":\"What is streaming?\",\"instructions\":\"Be brief.\","
                + "\"max_output_tokens\":500,\"temperature\":0.5,\"metadata\":{\"k\":\"v\"}");
        assertEquals(200, response.statusCode());
        JsonNode json = TestServer.json(response);
        String runId = response.headers().firstValue("X-Run-Id").orElseThrow();
        assertEquals("resp_" + runId, json.get("id").asText());
        assertEquals("completed", json.get("status").asText());
        assertEquals("Be brief.", json.get("instructions").asText());
        assertEquals(500, json.get("max_output_tokens").asInt());
        assertEquals(0.5, json.get("temperature").asDouble());
        assertEquals("v", json.at("/metadata/k").asText());
        assertEquals(server.awaitEnd(runId).output(), json.at("/output/0/content/0/text").asText());
        assertEquals(json, TestServer.json(server.get("/v1/responses/" + json.get("id").asText())));
    }

    @Test
    void aWorkflowAsModelShowsItsOtherAgentsAsReasoningAndItsAnswerAsTheMessage() {
        HttpResponse<String> response;
        try (var demoOnly = TestServer.start()) { // the workflow's agents use the default provider: the demo here
            response = demoOnly.post("/v1/responses", "{\"model\":\"workflow/research\",\"input\":\"What is streaming?\",\"stream\":true}");
        }
        List<Frame> frames = frames(response.body());
        JsonNode completed = frames.getLast().data().get("response");
        assertEquals("response.completed", frames.getLast().event(), completed.path("error").toString());
        JsonNode output = completed.get("output");
        assertTrue(output.size() >= 3, output.toString());
        for (int i = 0; i < output.size() - 1; i++) {
            assertEquals("reasoning", output.get(i).get("type").asText());
            assertEquals("summary_text", output.get(i).at("/summary/0/type").asText());
        }
        assertTrue(output.get(0).at("/summary/0/text").asText().startsWith("[planner] "));
        assertEquals("message", output.get(output.size() - 1).get("type").asText());
        assertFalse(output.get(output.size() - 1).at("/content/0/text").asText().isEmpty());
        assertTrue(types(frames).contains("response.reasoning_summary_text.delta"));
        assertTrue(types(frames).contains("response.reasoning_summary_part.added"));
        assertTrue(completed.at("/usage/output_tokens_details/reasoning_tokens").asLong() > 0);
    }

    @Test
    void aFunctionCallEndsTheResponseAndItsOutputContinuesTheConversation() {
        var first = create("\"model\":\"demo\",\"input\":\"What is the weather in Utrecht?\",\"stream\":true,\"tools\":" + WEATHER);
        List<Frame> frames = frames(first.body());
        String runId = first.headers().firstValue("X-Run-Id").orElseThrow();
        JsonNode added = frames.stream().filter(f -> f.event().equals("response.output_item.added")
                && f.data().at("/item/type").asText().equals("function_call")).findFirst().orElseThrow().data();
        JsonNode call = added.get("item");
        assertEquals("get_weather", call.get("name").asText());
        assertEquals("in_progress", call.get("status").asText());
        assertEquals("", call.get("arguments").asText());
        String callId = call.get("call_id").asText();
        assertEquals("fc_" + runId + "_" + callId, call.get("id").asText());
        var arguments = new StringBuilder();
        for (Frame f : frames) {
            if (f.event().equals("response.function_call_arguments.delta")) arguments.append(f.data().get("delta").asText());
        }
        JsonNode argsDone = frames.stream().filter(f -> f.event().equals("response.function_call_arguments.done"))
                .findFirst().orElseThrow().data();
        assertEquals(arguments.toString(), argsDone.get("arguments").asText());
        assertEquals("Utrecht", parse(argsDone.get("arguments").asText()).get("city").asText());
        JsonNode done = frames.getLast().data().get("response");
        assertEquals("completed", done.get("status").asText());
        JsonNode last = done.get("output").get(done.get("output").size() - 1);
        assertEquals("function_call", last.get("type").asText());
        assertEquals("completed", last.get("status").asText());
        assertEquals(arguments.toString(), last.get("arguments").asText());

        var second = create("\"model\":\"demo\",\"previous_response_id\":\"resp_" + runId + "\",\"tools\":" + WEATHER
                + ",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"" + callId + "\",\"output\":\"{\\\"sky\\\":\\\"clear\\\"}\"}]");
        assertEquals(200, second.statusCode(), second.body());
        JsonNode answer = TestServer.json(second);
        assertEquals("resp_" + runId, answer.get("previous_response_id").asText());
        assertEquals("message", answer.at("/output/0/type").asText());
        assertTrue(answer.at("/output/0/content/0/text").asText().contains("clear"), answer.toString());
        // Both turns are in the first response's session, the call answered.
        String session = server.awaitEnd(runId).sessionId();
        assertEquals(session, server.awaitEnd(runOf(answer)).sessionId());
        JsonNode messages = TestServer.json(server.get("/v1/sessions/" + session)).get("messages");
        List<String> roles = new ArrayList<>();
        messages.forEach(m -> roles.add(m.get("role").asText()));
        assertEquals(List.of("user", "assistant", "tool", "assistant"), roles);
    }

    @Test
    void previousResponseIdContinuesItsSessionAndAnOlderOneBranches() {
        JsonNode first = TestServer.json(create("\"model\":\"echo\",\"input\":\"one\""));
        JsonNode second = TestServer.json(create("\"model\":\"echo\",\"input\":\"two\",\"previous_response_id\":\"" + first.get("id").asText() + "\""));
        assertEquals("turn 3", second.at("/output/0/content/0/text").asText()); // one, its answer, two
        List<ChatMessage> seen = ECHO.requests().getLast().messages();
        assertEquals(List.of("one", "turn 1", "two"), seen.stream().map(ChatMessage::content).toList());
        JsonNode third = TestServer.json(create("\"model\":\"echo\",\"input\":\"three\",\"previous_response_id\":\"" + second.get("id").asText() + "\""));
        assertEquals("turn 5", third.at("/output/0/content/0/text").asText());
        // From the first again: a branch, in a session of its own that holds the first turn only.
        JsonNode branch = TestServer.json(create("\"model\":\"echo\",\"input\":\"other\",\"previous_response_id\":\"" + first.get("id").asText() + "\""));
        assertEquals("turn 3", branch.at("/output/0/content/0/text").asText());
        String trunk = server.awaitEnd(runOf(first)).sessionId();
        assertEquals(trunk, server.awaitEnd(runOf(third)).sessionId());
        assertNotEquals(trunk, server.awaitEnd(runOf(branch)).sessionId());
        assertEquals(6, TestServer.json(server.get("/v1/sessions/" + trunk)).get("messages").size());
    }

    @Test
    void badRequestsAreRefusedInOpenAisShapeBeforeAnyRun() {
        String tools = ",\"tools\":" + WEATHER;
        Object[][] cases = {
                {"\"model\":\"demo\"", "input", "Missing required parameter: 'input'"},
                {"\"model\":\"demo\",\"input\":\"  \"", "input", "empty"},
                {"\"model\":\"demo\",\"input\":[]", "input", "empty array"},
                {"\"model\":\"demo\",\"input\":5", "input", "expected a string or an array"},
                {"\"model\":\"demo\",\"input\":[{\"role\":\"robot\",\"content\":\"hi\"}]", "input[0].role", "'robot'"},
                {"\"model\":\"demo\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\"}]}]",
                        "input[0].content[0].type", "input_image"},
                {"\"model\":\"demo\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"call_x\",\"output\":\"1\"}]" + tools,
                        "input", "No tool call found for function call output with call_id 'call_x'"},
                {"\"model\":\"demo\",\"input\":\"hi\",\"n\":2", "n", "Unrecognized request argument supplied: n"},
                {"\"model\":\"demo\",\"input\":\"hi\",\"tools\":[{\"type\":\"web_search\"}]", "tools[0].type", "web_search"},
                {"\"model\":\"demo\",\"input\":\"hi\",\"conversation\":\"conv_1\"", "conversation", "previous_response_id"},
                {"\"input\":\"hi\"", "model", "'model'"},
                {"\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]", "messages", "/v1/chat/completions"},
        };
        for (Object[] c : cases) {
            var response = create(c[0] + ",\"stream\":true");
            assertEquals(400, response.statusCode(), c[0] + " → " + response.body());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            JsonNode error = TestServer.json(response).get("error");
            assertEquals("invalid_request_error", error.get("type").asText());
            assertEquals(c[1], error.get("param").asText(), response.body());
            assertTrue(error.get("message").asText().contains((String) c[2]), response.body());
            assertTrue(response.headers().firstValue("X-Run-Id").isEmpty());
        }
        var unknown = create("\"model\":\"demo\",\"input\":\"hi\",\"previous_response_id\":\"resp_r_nothing\"");
        assertEquals(404, unknown.statusCode());
        assertEquals("{\"error\":{\"message\":\"Previous response with id 'resp_r_nothing' not found.\",\"type\":"
                + "\"invalid_request_error\",\"param\":\"previous_response_id\",\"code\":\"previous_response_not_found\"}}", unknown.body());
        assertEquals(404, server.get("/v1/responses/resp_r_nothing").statusCode());
    }

    @Test
    void aPreviousResponsesFunctionCallMustBeAnswered() {
        JsonNode called = TestServer.json(create("\"model\":\"demo\",\"input\":\"What is the weather in Utrecht?\",\"tools\":" + WEATHER));
        var response = create("\"model\":\"demo\",\"input\":\"and tomorrow?\",\"tools\":" + WEATHER
                + ",\"previous_response_id\":\"" + called.get("id").asText() + "\"");
        assertEquals(400, response.statusCode());
        assertTrue(TestServer.json(response).at("/error/message").asText().startsWith("No tool output found for function call call_demo_1"));
    }

    @Test
    void aProviderFailingMidStreamEndsTheStreamWithResponseFailed() {
        var response = create("\"model\":\"failing\",\"input\":\"hi\",\"stream\":true");
        assertEquals(200, response.statusCode());
        List<Frame> frames = frames(response.body());
        List<String> types = types(frames);
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.failed"), types);
        JsonNode failed = frames.getLast().data().get("response");
        assertEquals("failed", failed.get("status").asText());
        assertFalse(failed.at("/error/code").asText().isEmpty());
        assertTrue(failed.at("/error/message").asText().contains("run "));
        assertEquals("Half an", failed.at("/output/0/content/0/text").asText());
        assertEquals("incomplete", failed.at("/output/0/status").asText());
        var plain = create("\"model\":\"failing\",\"input\":\"hi\"");
        assertTrue(plain.statusCode() >= 500, plain.body());
        assertFalse(TestServer.json(plain).at("/error/message").asText().isEmpty());
    }

    @Test
    void anAnswerCutAtItsLimitIsIncomplete() {
        var response = create("\"model\":\"cut\",\"input\":\"hi\",\"stream\":true,\"max_output_tokens\":5");
        List<Frame> frames = frames(response.body());
        assertEquals("response.incomplete", frames.getLast().event());
        JsonNode incomplete = frames.getLast().data().get("response");
        assertEquals("incomplete", incomplete.get("status").asText());
        assertEquals("max_output_tokens", incomplete.at("/incomplete_details/reason").asText());
        assertEquals("incomplete", incomplete.at("/output/0/status").asText());
        assertEquals("Half an ans", incomplete.at("/output/0/content/0/text").asText());
    }

    @Test
    void aBackgroundResponseCanBeCancelledAndOthersCannot() throws InterruptedException {
        var response = create("\"model\":\"slow\",\"input\":\"hi\",\"background\":true");
        assertEquals(200, response.statusCode());
        JsonNode started = TestServer.json(response);
        assertTrue(started.get("background").asBoolean());
        assertEquals("in_progress", started.get("status").asText());
        SLOW.awaitEmitted(1);
        String id = started.get("id").asText();
        var cancelled = server.post("/v1/responses/" + id + "/cancel", "");
        assertEquals(200, cancelled.statusCode(), cancelled.body());
        assertEquals("cancelled", TestServer.json(cancelled).get("status").asText());
        assertEquals("cancelled", TestServer.json(server.get("/v1/responses/" + id)).get("status").asText());
        assertEquals("cancelled", server.awaitEnd(runOf(started)).status().wire());
        assertEquals(200, server.post("/v1/responses/" + id + "/cancel", "").statusCode()); // again: the same answer

        JsonNode done = TestServer.json(create("\"model\":\"demo\",\"input\":\"hi\""));
        var refused = server.post("/v1/responses/" + done.get("id").asText() + "/cancel", "");
        assertEquals(400, refused.statusCode());
        assertTrue(TestServer.json(refused).at("/error/message").asText().contains("background"));
        assertEquals(404, server.post("/v1/responses/resp_r_nothing/cancel", "").statusCode());
    }

    @Test
    void resumingAfterAnyEventOfABackgroundResponseIsTheTailOfItsWholeStream() {
        JsonNode started = TestServer.json(create("\"model\":\"demo\",\"input\":\"What is streaming?\",\"background\":true"));
        server.awaitEnd(runOf(started));
        String path = "/v1/responses/" + started.get("id").asText() + "?stream=true";
        var whole = server.get(path);
        assertEquals(200, whole.statusCode());
        List<Frame> frames = frames(whole.body());
        assertEquals("response.completed", frames.getLast().event());
        for (int n = 0; n < frames.size(); n++) {
            var tail = new StringBuilder();
            for (Frame f : frames.subList(n + 1, frames.size())) tail.append(f.raw());
            assertEquals(tail.toString(), server.get(path + "&starting_after=" + n).body(), "starting_after=" + n);
        }
        for (String bad : List.of(Integer.toString(frames.size()), "-1", "x")) {
            var refused = server.get(path + "&starting_after=" + bad);
            assertEquals(400, refused.statusCode(), bad);
            assertEquals("starting_after", TestServer.json(refused).at("/error/param").asText());
        }
        JsonNode foreground = TestServer.json(create("\"model\":\"demo\",\"input\":\"hi\""));
        assertEquals(400, server.get("/v1/responses/" + foreground.get("id").asText() + "?stream=true").statusCode());
    }

    @Test
    void anotherUsersResponseIsAsUnknownAsOneThatNeverWas() {
        try (var authed = TestServer.start(Tokens.env())) {
            String alice = Tokens.of("alice"), bob = Tokens.of("bob");
            JsonNode hers = TestServer.json(send(authed, alice, "POST", "/v1/responses", "{\"model\":\"demo\",\"input\":\"hi\"}"));
            String id = hers.get("id").asText();
            assertEquals(200, send(authed, alice, "GET", "/v1/responses/" + id, null).statusCode());
            var other = send(authed, bob, "GET", "/v1/responses/" + id, null);
            var missing = send(authed, bob, "GET", "/v1/responses/resp_r_nothing", null);
            assertEquals(404, other.statusCode());
            assertEquals(missing.body().replace("resp_r_nothing", id), other.body());
            String continued = "{\"model\":\"demo\",\"input\":\"more\",\"previous_response_id\":\"%s\"}";
            var fromOther = send(authed, bob, "POST", "/v1/responses", continued.formatted(id));
            var fromMissing = send(authed, bob, "POST", "/v1/responses", continued.formatted("resp_r_nothing"));
            assertEquals(404, fromOther.statusCode());
            assertEquals(fromMissing.body().replace("resp_r_nothing", id), fromOther.body());
            assertEquals(404, send(authed, bob, "POST", "/v1/responses/" + id + "/cancel", "").statusCode());
            var anonymous = authed.post("/v1/responses", "{\"model\":\"demo\",\"input\":\"hi\"}");
            assertEquals(401, anonymous.statusCode());
            assertEquals("invalid_request_error", TestServer.json(anonymous).at("/error/type").asText());
        }
    }

    private static HttpResponse<String> send(TestServer to, String token, String method, String path, String body) {
        var request = HttpRequest.newBuilder(to.uri(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return to.send(request);
    }

    private static JsonNode parse(String json) {
        try {
            return TestServer.JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(json, e);
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        var names = new ArrayList<String>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
