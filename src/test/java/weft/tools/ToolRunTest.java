package weft.tools;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import weft.providers.ChatMessage;
import weft.providers.ModelRequest;
import weft.testing.Await;
import weft.testing.PartScript;
import weft.testing.SseStream.Event;
import weft.testing.TestServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.testing.PartScript.answer;
import static weft.testing.PartScript.call;
import static weft.testing.PartScript.hasResults;
import static weft.testing.PartScript.text;

/**
 * The agent loop over real HTTP: a scripted model calls tools, Weft shows the calls as they
 * are written, runs them (or waits for the client), gives the model the results, and the
 * model answers.
 */
class ToolRunTest {
    private static final String CLIENT_TOOL = """
            {"type":"function","name":"get_weather","description":"The weather in a city",
             "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}""";

    /** The stream's events up to and including its first {@code tool_call}. */
    private static List<Event> untilToolCall(weft.testing.SseStream stream) {
        var events = new ArrayList<Event>();
        do events.add(stream.nextEvent()); while (!events.getLast().type().equals("tool_call"));
        return events;
    }

    private static List<Event> of(List<Event> events, String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    @Test
    void aServerToolsCallStreamsAsItIsWrittenRunsAndItsResultGoesBackToTheModel() {
        var model = new PartScript("tooling", r -> hasResults(r)
                ? answer("stop", text("It is ", "4."))
                : answer("tool_calls", text("Let me count. "), call("c1", "calculator", "{\"expr", "ession\":\"2", "+2\"}")));
        try (var server = TestServer.start(model)) {
            List<Event> events;
            try (var stream = server.streamRun("{\"input\":\"What is 2+2?\",\"provider\":\"tooling\",\"tools\":[\"calculator\"]}")) {
                events = stream.readToDone();
            }
            var deltas = of(events, "tool_call_delta");
            assertEquals(3, deltas.size());
            assertEquals("calculator", deltas.getFirst().text("name"), "the first piece names the tool");
            assertFalse(deltas.get(1).data().has("name"), "later pieces do not");
            assertEquals("{\"expression\":\"2+2\"}", deltas.stream().map(e -> e.text("arguments_delta")).collect(Collectors.joining()),
                    "the pieces joined are exactly what the model wrote");
            Event call = of(events, "tool_call").getFirst();
            assertEquals("c1", call.text("call_id"));
            assertEquals("server", call.text("executor"));
            assertEquals("2+2", call.data().path("arguments").path("expression").asText());
            Event result = of(events, "tool_result").getFirst();
            assertEquals("4", result.data().path("result").path("result").asText());
            assertTrue(events.indexOf(call) < events.indexOf(result));

            Event done = events.getLast();
            assertEquals("completed", done.text("status"));
            assertEquals("Let me count. It is 4.", done.text("output"));
            assertEquals(20, done.data().path("usage").path("input_tokens").asInt(), "usage adds up over both model calls");
            assertEquals(10, done.data().path("usage").path("output_tokens").asInt());

            ModelRequest second = model.requests().get(1);
            ChatMessage asked = second.messages().get(second.messages().size() - 2);
            assertEquals(ChatMessage.Role.ASSISTANT, asked.role());
            assertEquals("{\"expression\":\"2+2\"}", asked.toolCalls().getFirst().arguments());
            ChatMessage answered = second.messages().getLast();
            assertEquals("c1", answered.result().callId());
            assertTrue(answered.content().contains("\"result\":\"4\""), answered.content());
            assertEquals(List.of("calculator"), model.requests().getFirst().tools().stream().map(t -> t.name()).toList());
        }
    }

    @Test
    void aClientToolWaitsForTheClientsResultWhichAnyRequestCanGive() throws Exception {
        var model = new PartScript("tooling", r -> hasResults(r)
                ? answer("stop", text("Sunny, says " + r.messages().getLast().content()))
                : answer("tool_calls", call("w1", "get_weather", "{\"city\":", "\"Utrecht\"}")));
        try (var server = TestServer.start(model)) {
            List<Event> events;
            try (var stream = server.streamRun("{\"input\":\"Weather?\",\"provider\":\"tooling\",\"tools\":[" + CLIENT_TOOL + "]}")) {
                events = untilToolCall(stream);
                assertEquals("client", events.getLast().text("executor"));
                String runId = events.getFirst().text("run_id");

                JsonNode waiting = TestServer.JSON.readTree(server.get("/v1/runs/" + runId).body()).path("waiting_for");
                assertEquals(1, waiting.size());
                assertEquals("w1", waiting.get(0).path("call_id").asText());
                assertEquals("Utrecht", waiting.get(0).path("arguments").path("city").asText());

                var unknown = server.post("/v1/runs/" + runId + "/tool_results", "{\"results\":[{\"call_id\":\"nope\",\"result\":1}]}");
                assertEquals(400, unknown.statusCode(), unknown.body());
                var ok = server.post("/v1/runs/" + runId + "/tool_results", "{\"results\":[{\"call_id\":\"w1\",\"result\":{\"sky\":\"clear\"}}]}");
                assertEquals(202, ok.statusCode(), ok.body());
                var again = server.post("/v1/runs/" + runId + "/tool_results", "{\"results\":[{\"call_id\":\"w1\",\"result\":2}]}");
                assertEquals(409, again.statusCode(), again.body());
                events.addAll(stream.readToDone());
            }
            Event progress = of(events, "tool_progress").getFirst();
            assertEquals("w1", progress.text("call_id"));
            assertEquals("assistant", progress.text("agent"));
            assertTrue(progress.text("message").startsWith("waiting for the client's result"), progress.text("message"));
            Event result = of(events, "tool_result").getFirst();
            assertTrue(events.indexOf(events.stream().filter(e -> e.type().equals("tool_call")).findFirst().orElseThrow())
                    < events.indexOf(progress) && events.indexOf(progress) < events.indexOf(result), "call, progress, result");
            assertEquals("clear", result.data().path("result").path("sky").asText());
            assertEquals("Sunny, says {\"sky\":\"clear\"}", events.getLast().text("output"));
            String runId = events.getFirst().text("run_id");
            var late = server.post("/v1/runs/" + runId + "/tool_results", "{\"results\":[{\"call_id\":\"w1\",\"result\":3}]}");
            assertEquals(409, late.statusCode(), "an ended run waits for nothing");
            assertFalse(TestServer.JSON.readTree(server.get("/v1/runs/" + runId).body()).has("waiting_for"));
        }
    }

    @Test
    void severalCallsOfOneAnswerRunAtOnce() throws Exception {
        var model = new PartScript("tooling", r -> hasResults(r)
                ? answer("stop", text(r.messages().stream().filter(m -> m.role() == ChatMessage.Role.TOOL).count() + " results"))
                : answer("tool_calls", call("a", "get_weather", "{\"city\":\"Oslo\"}"), call("b", "get_weather", "{\"city\":\"Rome\"}")));
        try (var server = TestServer.start(model)) {
            var events = new ArrayList<Event>();
            try (var stream = server.streamRun("{\"input\":\"Weather?\",\"provider\":\"tooling\",\"tools\":[" + CLIENT_TOOL + "]}")) {
                while (of(events, "tool_call").size() < 2) events.add(stream.nextEvent());
                String runId = events.getFirst().text("run_id");
                // Both calls wait at once: had they run one after the other, the second would not be shown yet.
                Await.until("both calls wait", Duration.ofSeconds(10), () -> waitingFor(server, runId) == 2);
                var ok = server.post("/v1/runs/" + runId + "/tool_results",
                        "{\"results\":[{\"call_id\":\"b\",\"result\":\"rain\"},{\"call_id\":\"a\",\"error\":\"no station\"}]}");
                assertEquals(202, ok.statusCode(), ok.body());
                events.addAll(stream.readToDone());
            }
            var results = of(events, "tool_result");
            assertEquals(2, results.size());
            assertEquals("2 results", events.getLast().text("output"));
            ModelRequest second = model.requests().get(1);
            var tools = second.messages().stream().filter(m -> m.role() == ChatMessage.Role.TOOL).toList();
            assertEquals(List.of("a", "b"), tools.stream().map(m -> m.result().callId()).toList(), "results in the calls' order");
            assertTrue(tools.get(0).result().error());
            assertTrue(tools.get(0).content().contains("no station"));
        }
    }

    private static int waitingFor(TestServer server, String runId) {
        try {
            return TestServer.JSON.readTree(server.get("/v1/runs/" + runId).body()).path("waiting_for").size();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aClientThatNeverAnswersGivesTheModelATimeoutAndTheModelGoesOn() {
        var model = new PartScript("tooling", r -> hasResults(r)
                ? answer("stop", text("gave up: " + r.messages().getLast().content()))
                : answer("tool_calls", call("w1", "get_weather", "{\"city\":\"Utrecht\"}")));
        try (var server = TestServer.start(Map.of("WEFT_TOOL_TIMEOUT", "200ms"), model);
             var stream = server.streamRun("{\"input\":\"Weather?\",\"provider\":\"tooling\",\"tools\":[" + CLIENT_TOOL + "]}")) {
            var events = stream.readToDone();
            Event result = of(events, "tool_result").getFirst();
            assertTrue(result.text("error").startsWith("tool_timeout"), result.data().toString());
            assertNull(result.data().get("result"));
            assertEquals("completed", events.getLast().text("status"));
            assertTrue(events.getLast().text("output").contains("tool_timeout"));
        }
    }

    @Test
    void wrongCallsAreErrorResultsForTheModelNotFailures() {
        var model = new PartScript("tooling", r -> hasResults(r)
                ? answer("stop", text("noted"))
                : answer("tool_calls", call("x", "calculator", "{\"expression\": 2"), call("y", "rm_rf", "{}"),
                        call("z", "get_weather", "{\"city\": 7}")));
        try (var server = TestServer.start(model);
             var stream = server.streamRun("{\"input\":\"Go\",\"provider\":\"tooling\",\"tools\":[\"calculator\"," + CLIENT_TOOL + "]}")) {
            var events = stream.readToDone();
            assertEquals(List.of(), of(events, "tool_call"), "no wrong call is shown as about to run");
            var errors = of(events, "tool_result").stream().map(e -> e.text("error")).toList();
            assertEquals(3, errors.size());
            assertTrue(errors.get(0).startsWith("invalid_arguments: the arguments are not valid JSON"), errors.get(0));
            assertTrue(errors.get(1).startsWith("unknown_tool: there is no tool 'rm_rf'"), errors.get(1));
            assertTrue(errors.get(2).startsWith("invalid_arguments: argument 'city' must be a string"), errors.get(2));
            assertEquals("completed", events.getLast().text("status"));
        }
    }

    @Test
    void aModelThatNeverStopsCallingToolsEndsWithToolLoopLimit() {
        var model = new PartScript("tooling", r -> answer("tool_calls", call("c" + r.messages().size(), "calculator", "{\"expression\":\"1+1\"}")));
        try (var server = TestServer.start(Map.of("WEFT_MAX_TOOL_STEPS", "3"), model);
             var stream = server.streamRun("{\"input\":\"Loop\",\"provider\":\"tooling\",\"tools\":[\"calculator\"]}")) {
            var events = stream.readToDone();
            assertEquals(3, model.requests().size(), "three model calls, then the limit");
            assertEquals(2, of(events, "tool_result").size());
            Event error = of(events, "error").getFirst();
            assertEquals("tool_loop_limit", error.text("code"));
            assertEquals("failed", events.getLast().text("status"));
        }
    }

    @Test
    void cancellingARunThatWaitsForItsClientEndsItCancelled() {
        var model = new PartScript("tooling", r -> answer("tool_calls", call("w1", "get_weather", "{\"city\":\"Utrecht\"}")));
        try (var server = TestServer.start(model);
             var stream = server.streamRun("{\"input\":\"Weather?\",\"provider\":\"tooling\",\"tools\":[" + CLIENT_TOOL + "]}")) {
            var events = untilToolCall(stream);
            String runId = events.getFirst().text("run_id");
            assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
            events.addAll(stream.readToDone());
            assertEquals("cancelled", events.getLast().text("status"));
            assertEquals(List.of(), of(events, "tool_result"), "the call never got a result");
        }
    }

    @Test
    void cancellingTheAgentDuringItsToolCallCancelsIt() {
        var model = new PartScript("tooling", r -> answer("tool_calls", call("w1", "get_weather", "{\"city\":\"Utrecht\"}")));
        try (var server = TestServer.start(model);
             var stream = server.streamRun("{\"input\":\"Weather?\",\"provider\":\"tooling\",\"tools\":[" + CLIENT_TOOL + "]}")) {
            var events = untilToolCall(stream);
            String runId = events.getFirst().text("run_id");
            assertEquals(202, server.post("/v1/runs/" + runId + "/agents/assistant/cancel", "").statusCode());
            events.addAll(stream.readToDone());
            assertEquals("cancelled", of(events, "error").getFirst().text("code"));
            assertEquals("cancelled", events.getLast().text("status"));
        }
    }

    @Test
    void theSessionKeepsTheTurnsCallsAndResultsForTheNextRunsModel() throws Exception {
        var model = new PartScript("tooling", r -> r.messages().size() > 3 ? answer("stop", text("again"))
                : hasResults(r) ? answer("stop", text("It is 4."))
                : answer("tool_calls", text("Counting. "), call("c1", "calculator", "{\"expression\":\"2+2\"}")));
        try (var server = TestServer.start(model)) {
            String session;
            try (var stream = server.streamRun("{\"input\":\"2+2?\",\"provider\":\"tooling\",\"tools\":[\"calculator\"]}")) {
                session = stream.readToDone().getFirst().text("session_id");
            }
            JsonNode messages = TestServer.JSON.readTree(server.get("/v1/sessions/" + session).body()).path("messages");
            assertEquals(List.of("user", "assistant", "tool", "assistant"),
                    java.util.stream.StreamSupport.stream(messages.spliterator(), false).map(m -> m.path("role").asText()).toList());
            assertEquals("Counting. ", messages.get(1).path("content").asText());
            assertEquals("c1", messages.get(1).path("tool_calls").get(0).path("call_id").asText());
            assertEquals("c1", messages.get(2).path("call_id").asText());
            assertEquals("It is 4.", messages.get(3).path("content").asText());

            try (var stream = server.streamRun("{\"input\":\"And?\",\"provider\":\"tooling\",\"session_id\":\"" + session + "\"}")) {
                assertEquals("again", stream.readToDone().getLast().text("output"));
            }
            var seen = model.requests().getLast().messages();
            assertEquals(List.of(ChatMessage.Role.USER, ChatMessage.Role.ASSISTANT, ChatMessage.Role.TOOL, ChatMessage.Role.ASSISTANT,
                    ChatMessage.Role.USER), seen.stream().map(ChatMessage::role).toList());
            assertEquals("c1", seen.get(1).toolCalls().getFirst().id());
            assertEquals("c1", seen.get(2).result().callId());
        }
    }

    @Test
    void aCallThatNeverGotItsResultIsKeptAsInterruptedButNotShownToTheNextModel() throws Exception {
        var model = new PartScript("tooling", r -> r.messages().size() > 1 ? answer("stop", text("fresh"))
                : answer("tool_calls", text("Checking. "), call("w1", "get_weather", "{\"city\":\"Utrecht\"}")));
        try (var server = TestServer.start(model)) {
            String session;
            try (var stream = server.streamRun("{\"input\":\"Weather?\",\"provider\":\"tooling\",\"tools\":[" + CLIENT_TOOL + "]}")) {
                var events = untilToolCall(stream);
                session = events.getFirst().text("session_id");
                assertEquals(202, server.post("/v1/runs/" + events.getFirst().text("run_id") + "/cancel", "").statusCode());
                assertEquals("cancelled", stream.readToDone().getLast().text("status"));
            }
            JsonNode messages = TestServer.JSON.readTree(server.get("/v1/sessions/" + session).body()).path("messages");
            assertEquals(2, messages.size());
            assertEquals("interrupted", messages.get(1).path("status").asText());
            assertEquals("Checking. ", messages.get(1).path("content").asText(), "exactly what was delivered");
            assertEquals("w1", messages.get(1).path("tool_calls").get(0).path("call_id").asText());

            try (var stream = server.streamRun("{\"input\":\"Hello?\",\"provider\":\"tooling\",\"session_id\":\"" + session + "\"}")) {
                assertEquals("fresh", stream.readToDone().getLast().text("output"));
            }
            var seen = model.requests().getLast().messages();
            assertEquals("Checking. ", seen.get(1).content());
            assertEquals(List.of(), seen.get(1).toolCalls(), "no dangling call");
        }
    }
}
