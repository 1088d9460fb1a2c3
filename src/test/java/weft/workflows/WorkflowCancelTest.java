package weft.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import weft.providers.OpenAiProvider;
import weft.testing.Await;
import weft.testing.MockProvider;
import weft.testing.MockProvider.Reply;
import weft.testing.Roles;
import weft.testing.RunEvents;
import weft.testing.RunEvents.Instance;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.SseStream.Event;
import weft.testing.TestServer;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.testing.RunEvents.instance;
import static weft.testing.RunEvents.ofType;
import static weft.testing.RunEvents.only;
import static weft.testing.ThreadDump.threadNames;

/**
 * Stopping a research run: all of it in any phase, over real provider connections, or one
 * agent of it; resuming in the middle of its parallel phase; and leaving nothing behind.
 */
class WorkflowCancelTest {
    private static final List<String> SUBTOPICS = List.of("a", "b", "c");
    private static final int MANY = 200;

    enum Phase { PLANNING, RESEARCHING, SYNTHESIZING }

    /** A valid plan of {@link #SUBTOPICS} that takes {@code pieces} pieces to stream (padded with spaces). */
    private static List<String> slowPlan(int pieces) {
        var plan = new ArrayList<>(Roles.plan(SUBTOPICS.toArray(String[]::new)));
        plan.removeLast();
        plan.add("]");
        while (plan.size() < pieces - 1) plan.add(" ");
        plan.add("}");
        return plan;
    }

    private static List<String> synthesis(int pieces) {
        return IntStream.range(0, pieces).mapToObj(i -> "Part " + i + ". ").toList();
    }

    /** The research workflow scripted so that {@code slow} takes a couple of seconds and the rest is quick. */
    private static ScriptedProvider slowIn(Phase slow, Duration pause) {
        return ScriptedProvider.of("script", Roles.research(
                r -> slow == Phase.PLANNING ? slowPlan(MANY) : Roles.plan(SUBTOPICS.toArray(String[]::new)),
                subtopic -> Roles.notes(subtopic, slow == Phase.RESEARCHING ? MANY : 3),
                r -> synthesis(slow == Phase.SYNTHESIZING ? MANY : 2))).pausing(pause);
    }

    private static String research(String extra) {
        return "{\"workflow\":\"research\",\"input\":\"How does streaming work?\",\"provider\":\"script\"" + extra + "}";
    }

    private static long deltaCount(List<Event> events, String agent) {
        return ofType(events, "delta", agent).size();
    }

    /** Reads the stream into {@code seen} until {@code enough} holds. */
    private static void readUntil(SseStream stream, List<Event> seen, Predicate<List<Event>> enough) {
        while (!enough.test(seen)) {
            var e = stream.nextEvent();
            seen.add(e);
            if (e.type().equals("done")) throw new AssertionError("the run ended before the test could act: " + seen);
        }
    }

    private static Predicate<List<Event>> streaming(Phase phase, int deltas) {
        return switch (phase) {
            case PLANNING -> seen -> deltaCount(seen, "planner") >= deltas;
            case RESEARCHING -> seen -> IntStream.rangeClosed(1, 3).allMatch(i -> deltaCount(seen, "researcher-" + i) >= deltas);
            case SYNTHESIZING -> seen -> deltaCount(seen, "synthesizer") >= deltas;
        };
    }

    // ---- cancelling the whole run, in each phase

    private static void cancelWhile(Phase phase) {
        try (TestServer server = TestServer.start(slowIn(phase, Duration.ofMillis(10)));
             SseStream stream = server.streamRun(research(""))) {
            var events = new ArrayList<Event>();
            readUntil(stream, events, streaming(phase, 3));
            String runId = events.getFirst().text("run_id");

            long start = System.nanoTime();
            HttpResponse<String> answer = server.post("/v1/runs/" + runId + "/cancel", "");
            events.addAll(stream.readToDone());
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertEquals(202, answer.statusCode(), answer.body());
            assertEquals(runId, TestServer.json(answer).get("run_id").asText());
            assertEquals("cancelling", TestServer.json(answer).get("status").asText());
            var done = events.getLast();
            assertEquals("cancelled", done.text("status"));
            assertTrue(elapsedMs < 200, "done arrived " + elapsedMs + " ms after the cancel request");

            RunEvents.assertWellFormed(events);
            RunEvents.assertEveryStartedAgentCompletedWithItsDeltas(events);

            var started = RunEvents.started(events);
            List<String> cut = switch (phase) {
                case PLANNING -> List.of("planner");
                case RESEARCHING -> List.of("researcher-1", "researcher-2", "researcher-3");
                case SYNTHESIZING -> List.of("synthesizer");
            };
            for (String agent : cut) {
                Instance run = instance(events, agent);
                assertFalse(run.text().isEmpty(), agent + " had streamed before the cancel");
                long full = switch (phase) {
                    case PLANNING -> String.join("", slowPlan(MANY)).length();
                    case RESEARCHING -> String.join("", Roles.notes("a", MANY)).length();
                    case SYNTHESIZING -> String.join("", synthesis(MANY)).length();
                };
                assertTrue(run.text().length() < full, agent + " was cut short");
                assertTrue(run.completed().data().get("usage").get("estimated").asBoolean(), "a cut agent's usage is estimated");
            }
            switch (phase) {
                case PLANNING -> assertEquals(List.of("planner"), started, "nobody starts after the cancel");
                case RESEARCHING -> assertFalse(started.contains("synthesizer"), "the synthesizer never starts");
                case SYNTHESIZING -> assertEquals(5, started.size());
            }
            // Agents of earlier phases are untouched.
            if (phase != Phase.PLANNING) {
                assertEquals(String.join("", Roles.plan(SUBTOPICS.toArray(String[]::new))), instance(events, "planner").completed().text("text"));
            }
            if (phase == Phase.SYNTHESIZING) {
                for (int i = 1; i <= 3; i++) {
                    assertEquals(String.join("", Roles.notes(SUBTOPICS.get(i - 1), 3)), instance(events, "researcher-" + i).completed().text("text"));
                }
            }

            String output = phase == Phase.SYNTHESIZING ? instance(events, "synthesizer").text() : "";
            assertEquals(output, done.text("output"), "the output is what the synthesizer had streamed");
            long input = 0;
            long generated = 0;
            for (Event c : ofType(events, "agent_completed")) {
                input += c.data().get("usage").get("input_tokens").asLong();
                generated += c.data().get("usage").get("output_tokens").asLong();
            }
            assertEquals(input, done.data().get("usage").get("input_tokens").asLong());
            assertEquals(generated, done.data().get("usage").get("output_tokens").asLong());

            assertEquals("cancelled", TestServer.json(server.get("/v1/runs/" + runId)).get("status").asText());
            var messages = TestServer.json(server.get("/v1/sessions/" + events.getFirst().text("session_id"))).get("messages");
            assertEquals(2, messages.size());
            assertEquals(output, messages.get(1).get("content").asText());
            assertEquals("interrupted", messages.get(1).get("status").asText());
        }
    }

    @Test
    void cancelWhilePlanningEndsCancelledWithin200msAndThePlannerKeepsWhatItStreamed() {
        cancelWhile(Phase.PLANNING);
    }

    @Test
    void cancelWhileResearchingStopsEveryResearcherWithin200msAndEachKeepsWhatItStreamed() {
        cancelWhile(Phase.RESEARCHING);
    }

    @Test
    void cancelWhileSynthesizingEndsCancelledWithin200msWithThePartialAnswerAsOutput() {
        cancelWhile(Phase.SYNTHESIZING);
    }

    // ---- cancelling reaches the providers' connections

    /** An OpenAI chat completion stream carrying {@code pieces}; complete with usage and [DONE], or left open. */
    private static String openAiStream(List<String> pieces, boolean complete) {
        var out = new StringBuilder();
        out.append(chunk(delta -> delta.put("role", "assistant").put("content", ""), null));
        for (String piece : pieces) out.append(chunk(delta -> delta.put("content", piece), null));
        if (complete) {
            out.append(chunk(delta -> { }, "stop"));
            ObjectNode usage = TestServer.JSON.createObjectNode().put("id", "chatcmpl-test").put("object", "chat.completion.chunk")
                    .put("created", 1).put("model", "m");
            usage.putArray("choices");
            usage.putObject("usage").put("prompt_tokens", 20).put("completion_tokens", pieces.size()).put("total_tokens", 20 + pieces.size());
            out.append("data: ").append(usage).append("\n\n");
            out.append("data: [DONE]\n\n");
        }
        return out.toString();
    }

    private static String chunk(java.util.function.Consumer<ObjectNode> delta, String finishReason) {
        ObjectNode chunk = TestServer.JSON.createObjectNode().put("id", "chatcmpl-test").put("object", "chat.completion.chunk")
                .put("created", 1).put("model", "m");
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        delta.accept(choice.putObject("delta"));
        if (finishReason == null) choice.putNull("finish_reason");
        else choice.put("finish_reason", finishReason);
        chunk.putNull("usage");
        return "data: " + chunk + "\n\n";
    }

    @Test
    void cancelClosesEveryResearchersUpstreamConnectionAtOnce() throws Exception {
        try (MockProvider mock = MockProvider.start();
             TestServer server = TestServer.start(new OpenAiProvider(
                     TestServer.providerHttp(Duration.ofSeconds(5), 0, Duration.ofMillis(10)), mock.baseUrl() + "/v1", "k", "m"))) {
            mock.enqueue(Reply.sse(openAiStream(List.of("{\"subtopics\":", "[\"a\",\"b\",", "\"c\"]}"), true)));
            var researchers = new ArrayList<Reply>();
            for (int i = 0; i < 3; i++) {
                researchers.add(mock.enqueue(Reply.sse(openAiStream(List.of("Notes", " so", " far"), false))
                        .thenTrickle(Duration.ofMillis(20))));
            }

            try (SseStream stream = server.streamRun("{\"workflow\":\"research\",\"input\":\"How does streaming work?\",\"provider\":\"openai\"}")) {
                var events = new ArrayList<Event>();
                // every researcher has streamed all it will before its upstream goes quiet
                readUntil(stream, events, streaming(Phase.RESEARCHING, 3));
                String runId = events.getFirst().text("run_id");

                long cancelled = System.nanoTime();
                assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
                events.addAll(stream.readToDone());
                long doneMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelled);

                assertEquals("cancelled", events.getLast().text("status"));
                assertTrue(doneMs < 200, "done arrived " + doneMs + " ms after the cancel request");
                for (Reply reply : researchers) {
                    long closed = reply.closed().get(5, TimeUnit.SECONDS);
                    long afterMs = TimeUnit.NANOSECONDS.toMillis(closed - cancelled);
                    assertTrue(afterMs < 500, "a researcher's upstream connection closed " + afterMs + " ms after the cancel request");
                }
                RunEvents.assertEveryStartedAgentCompletedWithItsDeltas(events);
                for (int i = 1; i <= 3; i++) assertEquals("Notes so far", instance(events, "researcher-" + i).completed().text("text"));
            }
            assertEquals(4, mock.requests().size(), "the planner and three researchers, nothing more");
            Set<String> asked = new HashSet<>();
            for (var request : mock.requests().subList(1, 4)) {
                String system = request.json().get("messages").get(0).get("content").asText();
                var m = Pattern.compile("(?m)^Subtopic: (.*)$").matcher(system);
                assertTrue(m.find(), system);
                asked.add(m.group(1));
            }
            assertEquals(Set.of("a", "b", "c"), asked);
        }
    }

    // ---- cancelling one agent

    @Test
    void cancellingOneResearcherReportsItAndTheRunCompletesWithoutItsNotes() {
        var quick = ScriptedProvider.of("script", Roles.research(
                r -> Roles.plan(SUBTOPICS.toArray(String[]::new)),
                subtopic -> Roles.notes(subtopic, 60),
                r -> List.of("Final ", "answer."))).pausing(Duration.ofMillis(10));
        try (TestServer server = TestServer.start(quick);
             SseStream stream = server.streamRun(research(""))) {
            var events = new ArrayList<Event>();
            readUntil(stream, events, seen -> deltaCount(seen, "researcher-2") >= 2);
            String runId = events.getFirst().text("run_id");

            var answer = server.post("/v1/runs/" + runId + "/agents/researcher-2/cancel", "");
            events.addAll(stream.readToDone());

            assertEquals(202, answer.statusCode(), answer.body());
            JsonNode body = TestServer.json(answer);
            assertEquals(runId, body.get("run_id").asText());
            assertEquals("researcher-2", body.get("agent").asText());
            assertEquals("cancelling", body.get("status").asText());

            RunEvents.assertWellFormed(events);
            RunEvents.assertEveryStartedAgentCompletedWithItsDeltas(events);
            var error = only(events, "error");
            assertEquals("cancelled", error.text("code"));
            assertEquals("researcher-2", error.text("agent"));
            assertFalse(error.data().get("retryable").asBoolean());
            Instance cut = instance(events, "researcher-2");
            assertTrue(events.indexOf(error) < events.indexOf(cut.completed()), "the error, then what the agent had streamed");
            assertFalse(cut.text().isEmpty());
            assertTrue(cut.text().length() < String.join("", Roles.notes("b", 60)).length(), "researcher-2 was cut short");
            for (int i : new int[] {1, 3}) {
                assertEquals(String.join("", Roles.notes(SUBTOPICS.get(i - 1), 60)), instance(events, "researcher-" + i).completed().text("text"),
                        "researcher-" + i + " went on");
            }
            assertTrue(ofType(events, "agent_progress", "researchers").stream().anyMatch(e -> e.text("message").equals("2 of 3 agents finished")),
                    ofType(events, "agent_progress").toString());

            var synthesis = quick.requests().stream().filter(r -> Roles.of(r) == Roles.Role.SYNTHESIZER).toList();
            assertEquals(1, synthesis.size());
            String notes = synthesis.getFirst().system();
            assertTrue(notes.contains("### a\n" + instance(events, "researcher-1").text()), notes);
            assertTrue(notes.contains("### c\n" + instance(events, "researcher-3").text()), notes);
            assertFalse(notes.contains("### b"), "the cancelled researcher's subtopic is left out: " + notes);
            assertFalse(notes.contains(cut.text()), "and so is what it had written: " + notes);

            var done = events.getLast();
            assertEquals("completed", done.text("status"));
            assertEquals("Final answer.", done.text("output"));
            assertEquals(instance(events, "synthesizer").completed().text("text"), done.text("output"));

            // Once it has ended, the agent cannot be cancelled again: it says how it ended.
            var again = server.post("/v1/runs/" + runId + "/agents/researcher-2/cancel", "");
            assertEquals(409, again.statusCode(), again.body());
            assertEquals("conflict", TestServer.json(again).get("error").get("code").asText());
            assertEquals("cancelled", TestServer.json(again).get("error").get("status").asText());
        }
    }

    @Test
    void anAgentThatStartedPastTheFirstThousandEventsOfAnEndedRunAnswers409WithHowItEnded() {
        // A shared log answers a read a page (1,000 events) at a time: the synthesizer starts
        // after the researchers' 1,500 deltas, so it is found only by reading every page.
        var quick = ScriptedProvider.of("script", Roles.research(
                r -> Roles.plan(SUBTOPICS.toArray(String[]::new)), subtopic -> Roles.notes(subtopic, 500), r -> synthesis(2)));
        try (TestServer server = TestServer.start(quick)) {
            var ended = TestServer.json(server.post("/v1/runs", research(",\"stream\":false")));
            assertEquals("completed", ended.get("status").asText(), ended.toString());
            String runId = ended.get("run_id").asText();
            List<Event> events;
            try (SseStream stream = server.follow(runId)) {
                events = stream.readToDone();
            }
            assertTrue(events.indexOf(instance(events, "synthesizer").started()) > 1_000, "the synthesizer started late enough");

            var answer = server.post("/v1/runs/" + runId + "/agents/synthesizer/cancel", "");
            assertEquals(409, answer.statusCode(), answer.body());
            assertEquals("completed", TestServer.json(answer).get("error").get("status").asText());
        }
    }

    @Test
    void cancellingAnUnknownAgentIs404AndAFinishedAgentIs409() {
        try (TestServer server = TestServer.start(slowIn(Phase.RESEARCHING, Duration.ofMillis(10)));
             SseStream stream = server.streamRun(research(""))) {
            var events = new ArrayList<Event>();
            readUntil(stream, events, streaming(Phase.RESEARCHING, 1));
            String runId = events.getFirst().text("run_id");
            String agents = "/v1/runs/" + runId + "/agents/";

            for (String unknown : List.of("researcher-9", "nobody", "synthesizer")) {
                var answer = server.post(agents + unknown + "/cancel", "");
                assertEquals(404, answer.statusCode(), unknown + ": " + answer.body());
                assertEquals("not_found", TestServer.json(answer).get("error").get("code").asText());
                assertTrue(TestServer.json(answer).get("error").get("message").asText().contains(unknown));
            }

            var finished = server.post(agents + "planner/cancel", "");
            assertEquals(409, finished.statusCode(), finished.body());
            JsonNode error = TestServer.json(finished).get("error");
            assertEquals("conflict", error.get("code").asText());
            assertEquals("completed", error.get("status").asText());
            assertEquals("planner", error.get("agent").asText());
            assertEquals(runId, error.get("run_id").asText());

            assertEquals(404, server.post("/v1/runs/r_nope/agents/planner/cancel", "").statusCode());

            // The refused cancels changed nothing: the run goes on until it is cancelled.
            assertTrue(ofType(events, "error").isEmpty());
            assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
            events.addAll(stream.readToDone());
            assertEquals("cancelled", events.getLast().text("status"));
            assertTrue(ofType(events, "error").isEmpty(), ofType(events, "error").toString());
        }
    }

    // ---- resuming

    @Test
    void resumingWithLastEventIdInTheParallelPhaseGivesEveryEventExactlyOnce() {
        var script = ScriptedProvider.of("script", Roles.research(
                r -> Roles.plan(SUBTOPICS.toArray(String[]::new)),
                subtopic -> Roles.notes(subtopic, 25),
                r -> synthesis(5))).pausing(Duration.ofMillis(8));
        try (TestServer server = TestServer.start(script)) {
            var first = new ArrayList<Event>();
            String runId;
            try (SseStream stream = server.streamRun(research(""))) {
                readUntil(stream, first, seen -> IntStream.rangeClosed(1, 3).filter(i -> deltaCount(seen, "researcher-" + i) > 0).count() >= 2);
                runId = first.getFirst().text("run_id");
            } // the client goes away in the middle of the parallel phase
            long last = first.getLast().id();

            List<Event> resumed;
            try (SseStream stream = server.follow(runId, "Last-Event-ID", Long.toString(last))) {
                resumed = stream.readToDone();
            }
            assertEquals(last + 1, resumed.getFirst().id(), "the resumed stream starts right after the last event seen");
            assertTrue(resumed.stream().anyMatch(e -> e.type().equals("delta") && e.text("agent").startsWith("researcher")),
                    "the client came back while the researchers were still writing");

            var all = new ArrayList<>(first);
            all.addAll(resumed);
            RunEvents.assertWellFormed(all);
            RunEvents.assertEveryStartedAgentCompletedWithItsDeltas(all);
            assertEquals("completed", all.getLast().text("status"));
            for (int i = 1; i <= 3; i++) {
                assertEquals(String.join("", Roles.notes(SUBTOPICS.get(i - 1), 25)), instance(all, "researcher-" + i).text());
            }

            List<Event> replay;
            try (SseStream stream = server.follow(runId)) {
                replay = stream.readToDone();
            }
            assertEquals(replay.size(), all.size());
            for (int i = 0; i < replay.size(); i++) assertEquals(replay.get(i).data(), all.get(i).data(), "event " + (i + 1));
        }
    }

    // ---- nothing left behind

    /** Starts a research run, cancels it once {@code phase} is streaming, and reads it to its end. */
    private static void cancelResearchRun(TestServer server, Phase phase, List<String> ids) {
        try (SseStream stream = server.streamRun(research(""))) {
            var events = new ArrayList<Event>();
            readUntil(stream, events, streaming(phase, 1));
            String runId = events.getFirst().text("run_id");
            ids.add(runId);
            assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
            events.addAll(stream.readToDone());
            assertEquals("cancelled", events.getLast().text("status"), "run cancelled while " + phase);
            RunEvents.assertEveryStartedAgentCompletedWithItsDeltas(events);
        }
    }

    @Test
    void fiftyCancelledResearchRunsLeaveNoThreadsBehindAndNoActiveRuns() throws Exception {
        var script = ScriptedProvider.of("script", Roles.research(
                r -> slowPlan(100),
                subtopic -> Roles.notes(subtopic, 100),
                r -> synthesis(100))).pausing(Duration.ofMillis(3));
        try (TestServer server = TestServer.start(script)) {
            var ids = new ArrayList<String>();
            cancelResearchRun(server, Phase.PLANNING, ids); // warm up, so that what the JDK creates lazily exists before the baseline
            Await.until("no active runs", Duration.ofSeconds(10), () -> server.metric("weft_active_runs") == 0);
            Await.until("no open streams", Duration.ofSeconds(10), () -> server.metric("weft_open_streams") == 0);
            var before = threadNames();

            for (int i = 0; i < 50; i++) cancelResearchRun(server, Phase.values()[i % 3], ids);

            Await.until("every run has ended", Duration.ofSeconds(10), () -> server.metric("weft_active_runs") == 0);
            Await.until("every stream is closed", Duration.ofSeconds(10), () -> server.metric("weft_open_streams") == 0);
            // A thread that has done its part may still be returning when the counters say so:
            // wait for the threads to go, and a leaked one is still there at the bound.
            long unnamedBefore = Collections.frequency(before, "");
            var leftovers = new ArrayList<String>();
            try {
                Await.until("run threads and agents' subtasks have ended", Duration.ofSeconds(20), () -> {
                    List<String> now;
                    try {
                        now = threadNames();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    leftovers.clear();
                    leftovers.addAll(now.stream().filter(name -> name.startsWith("run ")).toList());
                    long unnamedMore = Collections.frequency(now, "") - unnamedBefore;
                    if (unnamedMore > 0) leftovers.add(unnamedMore + " unnamed more than before");
                    return leftovers.isEmpty();
                });
            } catch (AssertionError stillThere) {
                throw new AssertionError("threads left behind by cancelled runs (run threads, agents' subtasks, handlers): " + leftovers, stillThere);
            }
            assertEquals(0, server.metric("weft_active_runs"));
            assertEquals(51, ids.size());
        }
    }
}
