package weft.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import weft.providers.ChatMessage;
import weft.providers.Document;
import weft.providers.ModelRequest;
import weft.testing.Roles;
import weft.testing.RunEvents;
import weft.testing.RunEvents.Instance;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream.Event;
import weft.testing.TestServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.testing.RunEvents.indexOf;
import static weft.testing.RunEvents.instance;
import static weft.testing.RunEvents.instances;
import static weft.testing.RunEvents.ofType;
import static weft.testing.RunEvents.only;
import static weft.testing.RunEvents.runToDone;

/**
 * The built-in {@code research} workflow over HTTP: a planner, one researcher per planned
 * subtopic at once, and a synthesizer, seen through the run's SSE stream.
 */
class ResearchWorkflowTest {
    private static final List<String> SUBTOPICS = List.of("history of SSE", "backpressure", "reconnection");
    private static final List<String> SYNTHESIS = List.of("Streaming ", "works ", "because ", "of three things.");

    /** A research script that answers every role at once, with a plan of {@link #SUBTOPICS}. */
    private static ScriptedProvider quick() {
        return ScriptedProvider.of("script", Roles.research(
                r -> Roles.plan(SUBTOPICS.toArray(String[]::new)),
                subtopic -> Roles.notes(subtopic, 4),
                r -> SYNTHESIS));
    }

    private static ObjectNode research(String input) {
        return TestServer.JSON.createObjectNode().put("workflow", "research").put("input", input).put("provider", "script");
    }

    private static List<ModelRequest> requestsOf(ScriptedProvider provider, Roles.Role role) {
        return provider.requests().stream().filter(r -> Roles.of(r) == role).toList();
    }

    @Test
    void researchRunPlansThenResearchesEverySubtopicUnderResearchersThenSynthesizesLast() {
        var script = quick();
        try (TestServer server = TestServer.start(script)) {
            var events = runToDone(server, research("How does streaming work?"));
            RunEvents.assertWellFormed(events);

            var started = events.getFirst();
            assertEquals("run_started", started.type());
            assertEquals("research", started.text("workflow"));

            // The planner first, under the workflow's root step.
            assertEquals("agent_started", events.get(1).type());
            assertEquals("planner", events.get(1).text("agent"));
            assertEquals("research", events.get(1).text("parent"));
            Instance planner = instance(events, "planner");
            assertFalse(planner.deltas().isEmpty(), "the planner streams its plan");
            assertEquals(String.join("", Roles.plan(SUBTOPICS.toArray(String[]::new))), planner.completed().text("text"));

            // Then the plan is announced.
            int planned = indexOf(events, "agent_progress", "planner");
            assertTrue(planned > events.indexOf(planner.completed()), "the plan is announced after the planner completed");
            assertTrue(events.get(planned).text("message").startsWith("planned 3 subtopics"), events.get(planned).text("message"));
            for (String subtopic : SUBTOPICS) assertTrue(events.get(planned).text("message").contains(subtopic));

            // One researcher per subtopic, in the plan's order, under the fan-out step.
            var researchers = RunEvents.started(events).stream().filter(a -> a.startsWith("researcher")).sorted().toList();
            assertEquals(List.of("researcher-1", "researcher-2", "researcher-3"), researchers, "named researcher-1 … n");
            int lastResearcherCompleted = -1;
            for (int i = 0; i < SUBTOPICS.size(); i++) {
                Instance researcher = instance(events, "researcher-" + (i + 1));
                assertEquals("researchers", researcher.started().text("parent"));
                assertTrue(events.indexOf(researcher.started()) > planned, "researchers start after the plan");
                assertEquals(String.join("", Roles.notes(SUBTOPICS.get(i), 4)), researcher.completed().text("text"),
                        "researcher-" + (i + 1) + " works on subtopic " + (i + 1));
                lastResearcherCompleted = Math.max(lastResearcherCompleted, events.indexOf(researcher.completed()));
            }

            // The synthesizer last, under the root, after every researcher.
            Instance synthesizer = instance(events, "synthesizer");
            assertEquals("research", synthesizer.started().text("parent"));
            assertTrue(events.indexOf(synthesizer.started()) > lastResearcherCompleted);
            var order = RunEvents.started(events);
            assertEquals("planner", order.getFirst());
            assertEquals("synthesizer", order.getLast());
            assertEquals(5, order.size(), "planner, three researchers, synthesizer: " + order);
            assertEquals(events.size() - 2, events.indexOf(synthesizer.completed()), "the synthesizer's completion comes right before done");

            var done = events.getLast();
            assertEquals("completed", done.text("status"));
            assertEquals(String.join("", SYNTHESIS), synthesizer.completed().text("text"));
            assertEquals(synthesizer.completed().text("text"), done.text("output"), "the run's output is the synthesizer's text");
            assertTrue(ofType(events, "error").isEmpty(), "no errors: " + ofType(events, "error"));

            var snapshot = TestServer.json(server.get("/v1/runs/" + started.text("run_id")));
            assertEquals("completed", snapshot.get("status").asText());
            assertEquals("research", snapshot.get("workflow").asText());
            assertEquals(done.text("output"), snapshot.get("output").asText());
        }
    }

    @Test
    void doneUsageIsTheSumOfEveryAgentsCompletedUsage() {
        try (TestServer server = TestServer.start(quick())) {
            var events = runToDone(server, research("How does streaming work?"));

            long input = 0;
            long output = 0;
            var completed = ofType(events, "agent_completed");
            assertEquals(5, completed.size(), "planner, three researchers and the synthesizer");
            for (Event e : completed) {
                input += e.data().get("usage").get("input_tokens").asLong();
                output += e.data().get("usage").get("output_tokens").asLong();
            }
            JsonNode usage = events.getLast().data().get("usage");
            assertEquals(input, usage.get("input_tokens").asLong());
            assertEquals(output, usage.get("output_tokens").asLong());
            assertEquals(Roles.plan(SUBTOPICS.toArray(String[]::new)).size() + 3 * 4 + SYNTHESIS.size(), output, "ScriptedProvider reports one output token a piece");
            assertNull(usage.get("estimated"), "every agent reported its usage");
        }
    }

    @Test
    void everyAgentsDeltasConcatenateToItsCompletedTextInOrderWithGapFreeIds() {
        try (TestServer server = TestServer.start(quick().pausing(Duration.ofMillis(1)))) {
            var events = runToDone(server, research("How does streaming work?"));

            RunEvents.assertWellFormed(events);
            RunEvents.assertEveryStartedAgentCompletedWithItsDeltas(events);
            for (int i = 0; i < SUBTOPICS.size(); i++) {
                var deltas = instance(events, "researcher-" + (i + 1)).deltas().stream().map(e -> e.text("text")).toList();
                assertEquals(Roles.notes(SUBTOPICS.get(i), 4), deltas, "each researcher's pieces arrive in its own order");
            }
            assertEquals(SYNTHESIS, instance(events, "synthesizer").deltas().stream().map(e -> e.text("text")).toList());
        }
    }

    @Test
    void parallelResearchersStreamConcurrentlyWithInterleavedDeltas() {
        // Every researcher's request waits until all three have been made: were they run one
        // after another, the first would wait in vain.
        var allAsked = new CountDownLatch(SUBTOPICS.size());
        var concurrent = new AtomicBoolean(true);
        var script = ScriptedProvider.of("script", Roles.research(
                r -> Roles.plan(SUBTOPICS.toArray(String[]::new)),
                subtopic -> {
                    allAsked.countDown();
                    try {
                        if (!allAsked.await(5, TimeUnit.SECONDS)) concurrent.set(false);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Roles.notes(subtopic, 12);
                },
                r -> SYNTHESIS)).pausing(Duration.ofMillis(15));
        try (TestServer server = TestServer.start(script)) {
            var events = runToDone(server, research("How does streaming work?"));
            assertEquals("completed", events.getLast().text("status"));
            assertTrue(concurrent.get(), "all three researchers' model calls were in flight at the same time");

            var researchers = List.of(instance(events, "researcher-1"), instance(events, "researcher-2"), instance(events, "researcher-3"));
            // Every researcher's first delta comes before every other researcher's last one (by seq and by ts).
            for (Instance a : researchers) {
                for (Instance b : researchers) {
                    if (a == b) continue;
                    assertTrue(a.firstDeltaSeq() < b.lastDeltaSeq(), a.agent() + " started streaming only after "
                            + b.agent() + " had finished: not concurrent");
                    assertTrue(a.firstDeltaTs() <= b.lastDeltaTs(), a.agent() + "'s first delta is later than " + b.agent() + "'s last");
                }
            }
            // And the researchers' deltas are interleaved on the stream, not one agent's block after another's.
            var order = ofType(events, "delta").stream().map(e -> e.text("agent")).filter(a -> a.startsWith("researcher")).toList();
            int switches = 0;
            for (int i = 1; i < order.size(); i++) if (!order.get(i).equals(order.get(i - 1))) switches++;
            assertTrue(switches > researchers.size() * 2, "researcher deltas switch agents only " + switches + " times: " + order);
            // Wall time: the phase takes about as long as one researcher, far less than all three in a row.
            long span = researchers.stream().mapToLong(Instance::lastDeltaTs).max().orElseThrow()
                    - researchers.stream().mapToLong(Instance::firstDeltaTs).min().orElseThrow();
            long sum = researchers.stream().mapToLong(r -> r.lastDeltaTs() - r.firstDeltaTs()).sum();
            assertTrue(span < sum * 2 / 3, "the research phase took " + span + " ms; one after another would take " + sum + " ms");
        }
    }

    @Test
    void withTheDemoModelResearchersStreamAtOnceAndTheRunHoldsTogether() {
        try (TestServer server = TestServer.start(Map.of("WEFT_DEMO_TTFT", "50ms", "WEFT_DEMO_TOKENS_PER_SECOND", "200"))) {
            var body = TestServer.JSON.createObjectNode().put("workflow", "research")
                    .put("input", "How do server-sent events compare with WebSockets for streaming?");
            var events = runToDone(server, body);

            RunEvents.assertWellFormed(events);
            RunEvents.assertEveryStartedAgentCompletedWithItsDeltas(events);
            assertEquals("completed", events.getLast().text("status"), ofType(events, "error").toString());
            var planned = only(events, "agent_progress", "planner").text("message");
            int n = Integer.parseInt(planned.replaceFirst("^planned (\\d+) subtopics.*$", "$1"));
            assertTrue(n >= 2 && n <= 5, planned);
            var researchers = IntStream.rangeClosed(1, n).mapToObj(i -> instance(events, "researcher-" + i)).toList();
            assertEquals(n + 2, RunEvents.started(events).size(), "planner, " + n + " researchers, synthesizer");
            for (Instance a : researchers) {
                assertEquals("researchers", a.started().text("parent"));
                for (Instance b : researchers) {
                    if (a != b) assertTrue(a.firstDeltaSeq() < b.lastDeltaSeq(), a.agent() + " began after " + b.agent() + " had finished");
                }
            }
            Instance synthesizer = instance(events, "synthesizer");
            assertEquals(synthesizer.completed().text("text"), events.getLast().text("output"));
            assertFalse(synthesizer.text().isBlank());
        }
    }

    @Test
    void synthesizerIsAskedWithEveryResearchersTextUnderItsSubtopicHeading() {
        var script = quick();
        try (TestServer server = TestServer.start(script)) {
            var events = runToDone(server, research("How does streaming work?"));
            assertEquals("completed", events.getLast().text("status"));

            var synthesis = requestsOf(script, Roles.Role.SYNTHESIZER);
            assertEquals(1, synthesis.size());
            String system = synthesis.getFirst().system();
            var notes = new StringBuilder();
            for (int i = 0; i < SUBTOPICS.size(); i++) {
                String text = instance(events, "researcher-" + (i + 1)).completed().text("text");
                String section = "### " + SUBTOPICS.get(i) + "\n" + text;
                assertTrue(system.contains(section), "the synthesizer's instruction lacks " + section + ":\n" + system);
                notes.append(notes.isEmpty() ? "" : "\n\n").append(section);
            }
            assertTrue(system.endsWith("Research notes:\n" + notes), "the notes, in the plan's order, end the instruction:\n" + system);
            assertEquals(List.of(ChatMessage.user("How does streaming work?")), synthesis.getFirst().messages(),
                    "the synthesizer answers the user's question");
            // Each researcher was asked about its own subtopic only.
            var researched = requestsOf(script, Roles.Role.RESEARCHER).stream().map(Roles::subtopic).sorted().toList();
            assertEquals(SUBTOPICS.stream().sorted().toList(), researched);
        }
    }

    @Test
    void documentsReachTheSynthesizerAndItsMarkersBecomeCitationEvents() {
        var script = ScriptedProvider.of("script", Roles.research(
                r -> Roles.plan("a", "b"),
                subtopic -> Roles.notes(subtopic, 2),
                r -> List.of("Streams help [", "1", "]. So do retries [2", "] and ", "[3]", " and [", "12].")));
        try (TestServer server = TestServer.start(script)) {
            var body = research("Why stream?");
            var docs = body.putArray("documents");
            docs.addObject().put("id", "doc-sse").put("title", "SSE spec").put("text", "Server-sent events.");
            docs.addObject().put("id", "doc-retry").put("title", "Retry guide").put("text", "Retries.");
            var events = runToDone(server, body);
            assertEquals("completed", events.getLast().text("status"));

            var expected = List.of(new Document("doc-sse", "SSE spec", "Server-sent events."),
                    new Document("doc-retry", "Retry guide", "Retries."));
            assertEquals(expected, requestsOf(script, Roles.Role.SYNTHESIZER).getFirst().documents(), "the synthesizer gets the documents");

            var citations = ofType(events, "citation");
            assertEquals(List.of("[1]", "[2]"), citations.stream().map(e -> e.text("marker")).toList(),
                    "[3] and [12] name no supplied document");
            assertEquals(List.of("doc-sse", "doc-retry"), citations.stream().map(e -> e.text("document_id")).toList());
            assertEquals(List.of("SSE spec", "Retry guide"), citations.stream().map(e -> e.text("title")).toList());
            for (Event c : citations) {
                assertEquals("synthesizer", c.text("agent"));
                // A citation follows the delta that completed its marker.
                assertTrue(events.get(events.indexOf(c) - 1).type().equals("delta")
                        || events.get(events.indexOf(c) - 1).type().equals("citation"));
            }
            for (Event d : ofType(events, "delta", "synthesizer")) {
                assertFalse(d.text("text").matches("(?s).*\\[\\d{0,4}"), "a delta ends inside a marker: " + d.text("text"));
            }
            assertEquals("Streams help [1]. So do retries [2] and [3] and [12].", events.getLast().text("output"));
        }
    }

    @Test
    void theSynthesizerSearchesTheRunsDocumentsAndIsNotOfferedTheSearchWithoutThem() {
        try (TestServer server = TestServer.start()) {
            var body = research("How does the retry guide say reconnecting clients resume?").put("provider", "demo");
            body.putArray("documents").addObject().put("id", "doc-retry").put("title", "Retry guide")
                    .put("text", "Reconnecting clients resume with Last-Event-ID and miss nothing.");
            var events = runToDone(server, body);
            assertEquals("completed", events.getLast().text("status"), ofType(events, "error").toString());
            var calls = ofType(events, "tool_call");
            assertEquals(List.of("synthesizer"), calls.stream().map(e -> e.text("agent")).toList(), "only the synthesizer searches");
            assertEquals("documents", calls.getFirst().text("name"));
            var result = ofType(events, "tool_result").getFirst();
            assertTrue(result.data().path("result").toString().contains("[1]"), "passages carry their marker: " + result.data());

            var without = runToDone(server, research("How do reconnecting clients resume?").put("provider", "demo"));
            assertEquals("completed", without.getLast().text("status"));
            assertEquals(List.of(), ofType(without, "tool_call"), "no documents, no search offered");
        }
    }

    @Test
    void badPlanIsAskedForAgainOnceWithTheParseErrorInTheLastUserMessage() {
        var plannerCalls = new AtomicInteger();
        var script = ScriptedProvider.of("script", Roles.research(
                r -> plannerCalls.incrementAndGet() == 1 ? List.of("Sure! Here are ", "some subtopics.")
                        : Roles.plan(SUBTOPICS.toArray(String[]::new)),
                subtopic -> Roles.notes(subtopic, 2),
                r -> SYNTHESIS));
        try (TestServer server = TestServer.start(script)) {
            var events = runToDone(server, research("How does streaming work?"));

            assertEquals("completed", events.getLast().text("status"));
            var planners = requestsOf(script, Roles.Role.PLANNER);
            assertEquals(2, planners.size(), "one retry");
            var retry = planners.get(1);
            var last = retry.messages().getLast();
            assertEquals(ChatMessage.Role.USER, last.role());
            assertTrue(last.content().contains("it is not JSON"), "the retry says why the plan was refused: " + last.content());
            assertTrue(last.content().contains("{\"subtopics\""), "and what to answer instead: " + last.content());
            assertTrue(retry.messages().contains(ChatMessage.assistant("Sure! Here are some subtopics.")),
                    "the retry shows the planner its bad answer: " + retry.messages());

            var runs = instances(events, "planner");
            assertEquals(2, runs.size());
            assertEquals("Sure! Here are some subtopics.", runs.get(0).completed().text("text"));
            var progress = ofType(events, "agent_progress", "planner").stream().map(e -> e.text("message")).toList();
            assertTrue(progress.getFirst().contains("not usable") && progress.getFirst().contains("asking again"), progress.toString());
            assertTrue(progress.getLast().startsWith("planned 3 subtopics"), progress.toString());
            assertEquals(3, RunEvents.started(events).stream().filter(a -> a.startsWith("researcher")).count());
            RunEvents.assertEveryStartedAgentCompletedWithItsDeltas(events);
        }
    }

    @Test
    void planWithTooFewSubtopicsIsAskedForAgainWithTheCount() {
        var plannerCalls = new AtomicInteger();
        var script = ScriptedProvider.of("script", Roles.research(
                r -> plannerCalls.incrementAndGet() == 1 ? Roles.plan("everything") : Roles.plan("a", "b"),
                subtopic -> Roles.notes(subtopic, 2),
                r -> SYNTHESIS));
        try (TestServer server = TestServer.start(script)) {
            var events = runToDone(server, research("How does streaming work?"));

            assertEquals("completed", events.getLast().text("status"));
            var retry = requestsOf(script, Roles.Role.PLANNER).get(1).messages().getLast();
            assertEquals(ChatMessage.Role.USER, retry.role());
            assertTrue(retry.content().contains("1 subtopics, not 2 to 5"), retry.content());
            var started = RunEvents.started(events);
            assertEquals(4, started.size(), "planner, two researchers, synthesizer: " + started);
            assertEquals(List.of("planner", "researcher-1", "researcher-2", "synthesizer"),
                    List.of(started.get(0), started.subList(1, 3).stream().sorted().toList().get(0),
                            started.subList(1, 3).stream().sorted().toList().get(1), started.get(3)), "researchers start in any order");
        }
    }

    @Test
    void twoBadPlansFailTheRunWithInvalidPlan() {
        var script = ScriptedProvider.of("script", Roles.research(
                r -> List.of("{\"subtopics\": ", "\"not a list\"}"),
                subtopic -> Roles.notes(subtopic, 2),
                r -> SYNTHESIS));
        try (TestServer server = TestServer.start(script)) {
            var events = runToDone(server, research("How does streaming work?"));

            RunEvents.assertWellFormed(events);
            assertEquals(2, requestsOf(script, Roles.Role.PLANNER).size(), "asked once, then once again, then given up");
            assertEquals(List.of("planner"), RunEvents.started(events), "nobody researches without a plan");
            assertEquals(2, instances(events, "planner").size());
            var error = only(events, "error");
            assertEquals("invalid_plan", error.text("code"));
            assertFalse(error.text("message").isBlank());
            assertFalse(error.data().get("retryable").asBoolean());
            assertTrue(events.indexOf(error) < events.size() - 1);
            var done = events.getLast();
            assertEquals("failed", done.text("status"));
            assertEquals("", done.text("output"), "no synthesizer, no answer");
            assertEquals("failed", TestServer.json(server.get("/v1/runs/" + done.text("run_id"))).get("status").asText());
            RunEvents.assertEveryStartedAgentCompletedWithItsDeltas(events);
        }
    }

    @Test
    void sessionHoldsOnlyTheUserInputAndTheFinalOutput() {
        var script = quick();
        try (TestServer server = TestServer.start(script)) {
            var events = runToDone(server, research("How does streaming work?"));
            String session = events.getFirst().text("session_id");

            var messages = TestServer.json(server.get("/v1/sessions/" + session)).get("messages");
            assertEquals(2, messages.size(), "no plan, no research notes in the history: " + messages);
            assertEquals("user", messages.get(0).get("role").asText());
            assertEquals("How does streaming work?", messages.get(0).get("content").asText());
            assertEquals("assistant", messages.get(1).get("role").asText());
            assertEquals(String.join("", SYNTHESIS), messages.get(1).get("content").asText());
            assertEquals("completed", messages.get(1).get("status").asText());
            assertEquals(events.getFirst().text("run_id"), messages.get(1).get("run_id").asText());

            // The next run of the session shows every agent exactly that history.
            int before = script.requests().size();
            var next = runToDone(server, research("And over HTTP/2?").put("session_id", session));
            assertEquals("completed", next.getLast().text("status"));
            var expected = List.of(ChatMessage.user("How does streaming work?"),
                    ChatMessage.assistant(String.join("", SYNTHESIS)), ChatMessage.user("And over HTTP/2?"));
            var later = new ArrayList<>(script.requests().subList(before, script.requests().size()));
            assertEquals(5, later.size());
            for (ModelRequest r : later) assertEquals(expected, r.messages(), Roles.of(r) + " saw another history");
            assertEquals(4, TestServer.json(server.get("/v1/sessions/" + session)).get("messages").size());
        }
    }
}
