package weft.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import weft.providers.ModelRequest;
import weft.providers.Part;
import weft.providers.PartSink;
import weft.providers.Provider;
import weft.providers.Usage;
import weft.testing.SseStream;
import weft.testing.SseStream.Event;
import weft.testing.TestServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.testing.PartScript.answer;
import static weft.testing.PartScript.call;
import static weft.testing.PartScript.hasResults;
import static weft.testing.PartScript.text;

/**
 * Agents as tools over real HTTP: a workflow's agent calls a tool agent, which runs under it
 * (its events name the caller as parent) and whose text is the call's result; cancelling the
 * caller cancels it, and cancelling it alone gives the caller an error result.
 */
class AgentToolRunTest {
    private static final String EXAMPLE = "test-fixtures/workflows/example.json";

    @TempDir
    Path dir;

    private static List<Event> of(List<Event> events, String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    private static List<Event> until(SseStream stream, Predicate<Event> last) {
        var events = new ArrayList<Event>();
        do events.add(stream.nextEvent()); while (!last.test(events.getLast()));
        return events;
    }

    @Test
    void theExampleWorkflowsWriterAsksItsFactCheckerWhoRunsUnderItAndWhoseTextIsTheResult() {
        try (var server = TestServer.start(Map.of("WEFT_WORKFLOWS", EXAMPLE));
             var stream = server.streamRun("{\"input\":\"Is it a fact that Utrecht has the oldest university of the Netherlands?\","
                     + "\"workflow\":\"fact-check\"}")) {
            var events = stream.readToDone();

            Event call = of(events, "tool_call").getFirst();
            assertEquals("fact_checker", call.text("name"));
            assertEquals("writer", call.text("agent"));
            assertEquals("server", call.text("executor"));
            Event started = of(events, "agent_started").stream().filter(e -> e.text("agent").equals("fact_checker"))
                    .findFirst().orElseThrow();
            assertEquals("writer", started.text("parent"), "drawn under its caller");
            Event checked = of(events, "agent_completed").stream().filter(e -> e.text("agent").equals("fact_checker"))
                    .findFirst().orElseThrow();
            Event result = of(events, "tool_result").getFirst();
            assertEquals(call.text("call_id"), result.text("call_id"));
            assertEquals(checked.text("text"), result.data().path("result").asText(), "its text is the tool's result");
            assertTrue(events.indexOf(call) < events.indexOf(started) && events.indexOf(checked) < events.indexOf(result));

            Event done = events.getLast();
            assertEquals("completed", done.text("status"));
            String writerText = of(events, "agent_completed").stream().filter(e -> e.text("agent").equals("writer"))
                    .findFirst().orElseThrow().text("text");
            assertEquals(writerText, done.text("output"), "the writer's answer, not the checker's, is the run's");
        }
    }

    @Test
    void cancellingTheRunWhileAToolAgentWorksCancelsItToo() throws IOException {
        var model = new CheckerBlocks();
        try (var server = TestServer.start(Map.of("WEFT_WORKFLOWS", workflowFile()), model);
             var stream = server.streamRun("{\"input\":\"Check this.\",\"workflow\":\"checked\"}")) {
            var events = until(stream, e -> e.type().equals("agent_started") && e.text("agent").equals("checker"));
            model.checking.await();
            assertEquals(202, server.post("/v1/runs/" + events.getFirst().text("run_id") + "/cancel", "").statusCode());
            events.addAll(stream.readToDone());

            assertEquals("cancelled", events.getLast().text("status"));
            assertEquals(List.of(), of(events, "tool_result"), "the call never got a result");
            assertTrue(model.interrupted.await(30, java.util.concurrent.TimeUnit.SECONDS), "the checker's model call was interrupted");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void cancellingTheToolAgentAloneGivesItsCallerAnErrorResultAndTheCallerGoesOn() throws Exception {
        var model = new CheckerBlocks();
        try (var server = TestServer.start(Map.of("WEFT_WORKFLOWS", workflowFile()), model);
             var stream = server.streamRun("{\"input\":\"Check this.\",\"workflow\":\"checked\"}")) {
            var events = until(stream, e -> e.type().equals("agent_started") && e.text("agent").equals("checker"));
            model.checking.await();
            String runId = events.getFirst().text("run_id");
            assertEquals(202, server.post("/v1/runs/" + runId + "/agents/checker/cancel", "").statusCode());
            events.addAll(stream.readToDone());

            Event result = of(events, "tool_result").getFirst();
            assertEquals("cancelled: agent 'checker' was cancelled", result.text("error"));
            assertEquals("completed", events.getLast().text("status"));
            assertEquals("Unchecked, then.", events.getLast().text("output"), "the caller went on without the check");
            ModelRequest last = model.requests.getLast();
            assertTrue(last.messages().getLast().result().error(), "the writer's model read an error result");
        }
    }

    /** A workflow whose writer always calls its checker first; the checker is the test's to stop. */
    private String workflowFile() throws IOException {
        return Files.writeString(dir.resolve("workflows.json"), """
                {"workflows": [{"name": "checked", "root": {"type": "agent", "name": "writer", "provider": "tooling",
                   "instruction": "Write, checking first.", "tools": [{"agent": "checker"}]},
                  "tool_agents": [{"name": "checker", "provider": "tooling", "instruction": "You check claims."}]}]}""")
                .toString();
    }

    /** The writer calls the checker and then answers; the checker's model call waits until it is interrupted. */
    private static final class CheckerBlocks implements Provider {
        final CountDownLatch checking = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);
        final List<ModelRequest> requests = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override public String name() { return "tooling"; }

        @Override public String defaultModel() { return "tooling-model"; }

        @Override
        public void stream(ModelRequest request, PartSink sink) throws InterruptedException {
            requests.add(request);
            List<Part> parts;
            if (request.system().startsWith("You check")) {
                checking.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                }
                parts = List.of();
            } else {
                parts = hasResults(request) ? answer("stop", text("Unchecked, then."))
                        : answer("tool_calls", call("k1", "checker", "{\"input\":\"Is ", "this true?\"}"));
            }
            for (Part part : parts) sink.accept(part);
        }
    }
}
