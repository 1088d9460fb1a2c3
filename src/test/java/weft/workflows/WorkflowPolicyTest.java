package weft.workflows;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.providers.ModelRequest;
import weft.testing.RunEvents;
import weft.testing.RunEvents.Instance;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream.Event;
import weft.testing.TestServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.testing.RunEvents.instance;
import static weft.testing.RunEvents.instances;
import static weft.testing.RunEvents.ofType;
import static weft.testing.RunEvents.only;
import static weft.testing.RunEvents.runToDone;

/**
 * What parallel and loop steps of workflows loaded from {@code WEFT_WORKFLOWS} do when an agent
 * fails, runs out of time, or signals that it is done.
 */
class WorkflowPolicyTest {
    /** Each agent's instruction starts with {@code Agent: <name>}, so one script can answer them all. */
    private static final Pattern AGENT = Pattern.compile("^Agent: ([a-z0-9_-]+)");
    private static final int SLOW_PIECES = 100;
    private static final Duration PAUSE = Duration.ofMillis(10);

    private static final String WORKFLOWS = """
            {"workflows": [
              {"name": "team-all", "description": "Three at once; one failure fails them all.",
               "root": {"type": "sequential", "name": "team-all", "steps": [
                 {"type": "parallel", "name": "team", "on_failure": "all", "steps": [
                   {"type": "agent", "name": "a", "instruction": "Agent: a", "provider": "flaky", "output_key": "ka"},
                   {"type": "agent", "name": "b", "instruction": "Agent: b", "output_key": "kb"},
                   {"type": "agent", "name": "c", "instruction": "Agent: c", "output_key": "kc"}]},
                 {"type": "agent", "name": "final", "instruction": "Agent: final\\n{kb}\\n{kc}"}]}},
              {"name": "team-best", "description": "Three at once; the survivors go on.",
               "root": {"type": "sequential", "name": "team-best", "steps": [
                 {"type": "parallel", "name": "team", "on_failure": "best_effort", "steps": [
                   {"type": "agent", "name": "a", "instruction": "Agent: a", "provider": "flaky", "output_key": "ka"},
                   {"type": "agent", "name": "b", "instruction": "Agent: b", "output_key": "kb"},
                   {"type": "agent", "name": "c", "instruction": "Agent: c", "output_key": "kc"}]},
                 {"type": "agent", "name": "final", "instruction": "Agent: final\\n{kb}\\n{kc}"}]}},
              {"name": "team-best-reads-failed", "description": "The final agent reads the failed agent's key.",
               "root": {"type": "sequential", "name": "team-best-reads-failed", "steps": [
                 {"type": "parallel", "name": "team", "on_failure": "best_effort", "steps": [
                   {"type": "agent", "name": "a", "instruction": "Agent: a", "provider": "flaky", "output_key": "ka"},
                   {"type": "agent", "name": "b", "instruction": "Agent: b", "output_key": "kb"}]},
                 {"type": "agent", "name": "final", "instruction": "Agent: final\\n{ka}\\n{kb}"}]}},
              {"name": "deadline", "description": "A slow agent with a time limit, in best effort.",
               "root": {"type": "sequential", "name": "deadline", "steps": [
                 {"type": "parallel", "name": "team", "on_failure": "best_effort", "steps": [
                   {"type": "agent", "name": "slow", "instruction": "Agent: slow", "output_key": "ks", "timeout": "200ms"},
                   {"type": "agent", "name": "quick", "instruction": "Agent: quick", "output_key": "kq"}]},
                 {"type": "agent", "name": "final", "instruction": "Agent: final\\n{kq}"}]}},
              {"name": "drafts", "description": "A writer revises until it writes DONE, at most three times.",
               "root": {"type": "sequential", "name": "drafts", "steps": [
                 {"type": "loop", "name": "revise", "max_iterations": 3, "until_text": "DONE", "steps": [
                   {"type": "agent", "name": "writer", "instruction": "Agent: writer", "output_key": "draft"}]}]}}
            ]}
            """;

    private static Path file;

    @BeforeAll
    static void writeWorkflows() throws IOException {
        file = Files.createTempFile("weft-workflows", ".json");
        Files.writeString(file, WORKFLOWS);
    }

    @AfterAll
    static void deleteWorkflows() throws IOException {
        Files.deleteIfExists(file);
    }

    /** A server with the workflows file, {@code script} as "script" and, as the file needs it, a "flaky" provider. */
    private static TestServer server(ScriptedProvider script) {
        return TestServer.start(Map.of("WEFT_WORKFLOWS", file.toString()), script, flaky(script));
    }

    private static String agentOf(ModelRequest request) {
        Matcher m = AGENT.matcher(request.system() == null ? "" : request.system());
        if (!m.find()) throw new AssertionError("not one of this test's agents: " + request.system());
        return m.group(1);
    }

    /** What the scripts have an agent write: {@code pieces} pieces naming it. */
    private static List<String> text(String agent, int pieces) {
        return IntStream.range(0, pieces).mapToObj(i -> agent + "." + i + " ").toList();
    }

    /** b and c (and slow) take a second; the rest are quick. */
    private static final Function<ModelRequest, List<String>> TEAM = request -> switch (agentOf(request)) {
        case "b", "c", "slow" -> text(agentOf(request), SLOW_PIECES);
        default -> text(agentOf(request), 3);
    };

    /** Fails after two pieces, once {@code others} has streamed some pieces, so that the siblings are mid-answer. */
    private static ScriptedProvider flaky(ScriptedProvider others) {
        return ScriptedProvider.of("flaky", request -> {
            try {
                others.awaitEmitted(4);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return text(agentOf(request), 3);
        }).failingAfter(2);
    }

    /** The events of a well-formed streamed run of {@code workflow}. */
    private static List<Event> run(TestServer server, String workflow) {
        var events = runToDone(server, "{\"workflow\":\"" + workflow + "\",\"input\":\"Write it\",\"provider\":\"script\"}");
        RunEvents.assertWellFormed(events);
        return events;
    }

    // ---- parallel steps when an agent fails

    @Test
    void parallelAllCancelsTheSiblingsOfAFailedAgentAndFailsTheRun() {
        var script = ScriptedProvider.of("script", TEAM).pausing(PAUSE);
        try (TestServer server = server(script)) {
            var events = run(server, "team-all");

            var error = only(events, "error", "a");
            assertFalse(error.text("code").equals("cancelled"), "a failed, it was not cancelled: " + error.data());
            Instance a = instance(events, "a");
            assertEquals("a.0 a.1 ", a.completed().text("text"), "a streamed two pieces, then failed");
            assertTrue(events.indexOf(error) < events.indexOf(a.completed()));

            String full = String.join("", text("b", SLOW_PIECES));
            long cutShort = 0;
            for (String sibling : List.of("b", "c")) {
                Instance s = instance(events, sibling);
                assertEquals(s.text(), s.completed().text("text"), sibling + "'s agent_completed holds what it streamed");
                assertTrue(s.completed().text("text").length() < full.length(), sibling + " was cancelled, not left to finish: "
                        + s.completed().text("text").length() + " of " + full.length() + " characters");
                cutShort += s.completed().text("text").length();
            }
            assertTrue(cutShort > 0, "the siblings were mid-answer when a failed");
            long cancelMs = events.getLast().data().get("ts").asLong() - error.data().get("ts").asLong();
            assertTrue(cancelMs < 500, "the run ended " + cancelMs + " ms after a failed; the siblings needed another second");

            assertFalse(RunEvents.started(events).contains("final"), "nothing runs after a failed step");
            assertEquals("failed", events.getLast().text("status"));
            assertEquals("failed", TestServer.json(server.get("/v1/runs/" + events.getFirst().text("run_id"))).get("status").asText());
            RunEvents.assertEveryStartedAgentCompletedWithItsDeltas(events);
        }
    }

    @Test
    void parallelBestEffortLetsTheSiblingsFinishAndLeavesTheFailedAgentsKeyOut() {
        var script = ScriptedProvider.of("script", TEAM).pausing(PAUSE);
        try (TestServer server = server(script)) {
            var events = run(server, "team-best");

            var error = only(events, "error", "a");
            assertFalse(error.text("code").equals("cancelled"), error.data().toString());
            assertEquals(1, ofType(events, "error").size(), "only a failed: " + ofType(events, "error"));
            assertEquals("a.0 a.1 ", instance(events, "a").completed().text("text"));
            for (String sibling : List.of("b", "c")) {
                assertEquals(String.join("", text(sibling, SLOW_PIECES)), instance(events, sibling).completed().text("text"),
                        sibling + " finished");
            }
            assertTrue(ofType(events, "agent_progress", "team").stream().anyMatch(e -> e.text("message").equals("2 of 3 agents finished")),
                    ofType(events, "agent_progress").toString());

            Instance fin = instance(events, "final");
            assertEquals("team-best", fin.started().text("parent"));
            var asked = script.requests().stream().filter(r -> agentOf(r).equals("final")).toList();
            assertEquals(1, asked.size());
            assertEquals("Agent: final\n" + String.join("", text("b", SLOW_PIECES)) + "\n" + String.join("", text("c", SLOW_PIECES)),
                    asked.getFirst().system(), "the final agent reads the survivors' keys");
            assertEquals("completed", events.getLast().text("status"));
            assertEquals(fin.completed().text("text"), events.getLast().text("output"));
            RunEvents.assertEveryStartedAgentCompletedWithItsDeltas(events);
        }
    }

    @Test
    void parallelBestEffortLeavesNoValueUnderTheFailedAgentsKey() {
        var script = ScriptedProvider.of("script", TEAM).pausing(PAUSE);
        try (TestServer server = server(script)) {
            var events = run(server, "team-best-reads-failed");

            assertEquals(String.join("", text("b", SLOW_PIECES)), instance(events, "b").completed().text("text"));
            var missing = ofType(events, "error").stream().filter(e -> e.data().get("agent") == null).toList();
            assertEquals(1, missing.size(), ofType(events, "error").toString());
            assertEquals("missing_state", missing.getFirst().text("code"));
            assertTrue(missing.getFirst().text("message").contains("{ka}"), missing.getFirst().text("message"));
            assertFalse(RunEvents.started(events).contains("final"), "the final agent cannot start without {ka}");
            assertEquals("failed", events.getLast().text("status"));
        }
    }

    // ---- per-agent time limits

    @Test
    void agentOverItsTimeLimitIsTimedOutAndBestEffortCompletesWithoutIt() {
        var script = ScriptedProvider.of("script", TEAM).pausing(PAUSE);
        try (TestServer server = server(script)) {
            var events = run(server, "deadline");

            var error = only(events, "error", "slow");
            assertEquals("timed_out", error.text("code"));
            assertTrue(error.text("message").contains("200 ms"), "the message names the limit: " + error.text("message"));
            Instance slow = instance(events, "slow");
            assertEquals(slow.text(), slow.completed().text("text"));
            assertFalse(slow.text().isEmpty(), "slow had streamed for 200 ms");
            assertTrue(slow.text().length() < String.join("", text("slow", SLOW_PIECES)).length(), "slow was stopped");
            long limitMs = error.data().get("ts").asLong() - slow.started().data().get("ts").asLong();
            assertTrue(limitMs >= 180 && limitMs < 700, "slow was stopped " + limitMs + " ms after it started; its limit is 200ms");

            assertEquals(String.join("", text("quick", 3)), instance(events, "quick").completed().text("text"));
            var asked = script.requests().stream().filter(r -> agentOf(r).equals("final")).toList();
            assertEquals("Agent: final\n" + String.join("", text("quick", 3)), asked.getFirst().system());
            assertEquals("completed", events.getLast().text("status"));
            assertEquals(instance(events, "final").completed().text("text"), events.getLast().text("output"));
            RunEvents.assertEveryStartedAgentCompletedWithItsDeltas(events);
        }
    }

    // ---- loops

    @Test
    void loopEndsWhenAnAgentWritesItsUntilText() {
        var calls = new AtomicInteger();
        var script = ScriptedProvider.of("script",
                request -> calls.incrementAndGet() == 2 ? List.of("Second draft. ", "DO", "NE") : List.of("First draft."));
        try (TestServer server = server(script)) {
            var events = run(server, "drafts");

            var writers = instances(events, "writer");
            assertEquals(2, writers.size(), "exactly two iterations: the second wrote DONE");
            for (Instance w : writers) assertEquals("revise", w.started().text("parent"));
            assertEquals("First draft.", writers.get(0).completed().text("text"));
            assertEquals("Second draft. DONE", writers.get(1).completed().text("text"), "DONE split across pieces still counts");

            var progress = ofType(events, "agent_progress", "revise").stream().map(e -> e.text("message")).toList();
            assertTrue(progress.stream().anyMatch(m -> m.contains("iteration 1")), progress.toString());
            assertTrue(progress.stream().anyMatch(m -> m.contains("iteration 2")), progress.toString());
            assertFalse(progress.stream().anyMatch(m -> m.contains("iteration 3")), progress.toString());
            assertTrue(progress.getLast().contains("2 iterations"), "the loop says why it stopped: " + progress);

            assertEquals("completed", events.getLast().text("status"));
            assertEquals("Second draft. DONE", events.getLast().text("output"));
            assertEquals(2, script.requests().size());
            RunEvents.assertEveryStartedAgentCompletedWithItsDeltas(events);
        }
    }

    @Test
    void loopThatNeverSeesItsUntilTextRunsExactlyMaxIterations() {
        var calls = new AtomicInteger();
        var script = ScriptedProvider.of("script", request -> List.of("Draft ", String.valueOf(calls.incrementAndGet()), "."));
        try (TestServer server = server(script)) {
            var events = run(server, "drafts");

            var writers = instances(events, "writer");
            assertEquals(3, writers.size(), "max_iterations is 3");
            for (int i = 0; i < 3; i++) assertEquals("Draft " + (i + 1) + ".", writers.get(i).completed().text("text"));

            var progress = ofType(events, "agent_progress", "revise").stream().map(e -> e.text("message")).toList();
            for (int i = 1; i <= 3; i++) {
                int n = i;
                assertTrue(progress.stream().anyMatch(m -> m.contains("iteration " + n + " of 3")), progress.toString());
            }
            // Each iteration is announced before its agent starts.
            for (int i = 0; i < 3; i++) {
                int n = i + 1;
                var announced = ofType(events, "agent_progress", "revise").stream()
                        .filter(e -> e.text("message").contains("iteration " + n + " of 3")).findFirst().orElseThrow();
                assertTrue(events.indexOf(announced) < events.indexOf(writers.get(i).started()));
            }

            assertEquals("completed", events.getLast().text("status"));
            assertEquals("Draft 3.", events.getLast().text("output"), "the output is the last iteration's text");
            assertEquals(3, script.requests().size());
            assertNull(ofType(events, "error").stream().findFirst().orElse(null));
        }
    }

    @Test
    void workflowsFromTheFileAreListedWithTheBuiltInOnes() {
        try (TestServer server = server(ScriptedProvider.of("script", TEAM))) {
            var response = server.get("/v1/workflows");
            assertEquals(200, response.statusCode(), response.body());
            String body = response.body();
            for (String name : List.of("chat", "research", "team-all", "team-best", "deadline", "drafts")) {
                assertTrue(body.contains("\"" + name + "\""), name + " is listed: " + body);
            }
        }
    }
}
