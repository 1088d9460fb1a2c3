package weft.testing;

import com.fasterxml.jackson.databind.JsonNode;
import weft.testing.SseStream.Event;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading the events of a run: streaming one to its end, picking events by type and by agent,
 * one agent's run from start to completion, and what a completed or failed run must hold.
 */
public final class RunEvents {
    private RunEvents() {}

    /**
     * One run of one agent: its {@code agent_started}, the deltas it streamed and its
     * {@code agent_completed} (null if it never came). An agent that runs again under the same
     * name (a retried planner, a loop) has one instance per run.
     */
    public record Instance(String agent, Event started, List<Event> deltas, Event completed) {
        public String text() {
            return deltas.stream().map(e -> e.text("text")).collect(Collectors.joining());
        }

        public long firstDeltaSeq() { return deltas.getFirst().id(); }

        public long lastDeltaSeq() { return deltas.getLast().id(); }

        public long firstDeltaTs() { return deltas.getFirst().data().get("ts").asLong(); }

        public long lastDeltaTs() { return deltas.getLast().data().get("ts").asLong(); }
    }

    /**
     * Streams a run with this request body, asserts the answer is a 200 stream, and returns its
     * events up to and including {@code done} (asserting the stream then ends).
     */
    public static List<Event> runToDone(TestServer server, String body) {
        try (SseStream stream = server.streamRun(body)) {
            assertEquals(200, stream.status());
            return stream.readToDone();
        }
    }

    /** {@link #runToDone(TestServer, String)} with a JSON request body. */
    public static List<Event> runToDone(TestServer server, JsonNode body) {
        return runToDone(server, body.toString());
    }

    /** The events of this type, in order. */
    public static List<Event> ofType(List<Event> events, String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    /** The events of this type from this agent, in order. */
    public static List<Event> ofType(List<Event> events, String type, String agent) {
        return events.stream().filter(e -> e.type().equals(type) && agent.equals(e.text("agent"))).toList();
    }

    /** The one event of this type from this agent; asserts there is exactly one. */
    public static Event only(List<Event> events, String type, String agent) {
        var found = ofType(events, type, agent);
        assertEquals(1, found.size(), "expected exactly one " + type + " of " + agent + ", got " + found);
        return found.getFirst();
    }

    /** The one event of this type; asserts there is exactly one. */
    public static Event only(List<Event> events, String type) {
        var found = ofType(events, type);
        assertEquals(1, found.size(), "expected exactly one " + type + ", got " + found);
        return found.getFirst();
    }

    /** The index in {@code events} of the first event matching type and agent; -1 if none. */
    public static int indexOf(List<Event> events, String type, String agent) {
        for (int i = 0; i < events.size(); i++) {
            var e = events.get(i);
            if (e.type().equals(type) && (agent == null || agent.equals(e.text("agent")))) return i;
        }
        return -1;
    }

    /** The agents in the order they started (each name once). */
    public static List<String> started(List<Event> events) {
        Set<String> names = new LinkedHashSet<>();
        ofType(events, "agent_started").forEach(e -> names.add(e.text("agent")));
        return List.copyOf(names);
    }

    /** Every run of {@code agent}, in order. */
    public static List<Instance> instances(List<Event> events, String agent) {
        var out = new ArrayList<Instance>();
        Event started = null;
        List<Event> deltas = null;
        for (Event e : events) {
            if (!agent.equals(e.text("agent"))) continue;
            switch (e.type()) {
                case "agent_started" -> {
                    if (started != null) out.add(new Instance(agent, started, deltas, null));
                    started = e;
                    deltas = new ArrayList<>();
                }
                case "delta" -> {
                    assertNotNull(started, "a delta of " + agent + " came before its agent_started: " + e);
                    deltas.add(e);
                }
                case "agent_completed" -> {
                    assertNotNull(started, "agent_completed of " + agent + " without agent_started: " + e);
                    out.add(new Instance(agent, started, deltas, e));
                    started = null;
                    deltas = null;
                }
                default -> { }
            }
        }
        if (started != null) out.add(new Instance(agent, started, deltas, null));
        return out;
    }

    /** The single run of {@code agent}. */
    public static Instance instance(List<Event> events, String agent) {
        var all = instances(events, agent);
        assertEquals(1, all.size(), agent + " should have run exactly once: " + all);
        return all.getFirst();
    }

    /** Every delta's text, joined in order (all agents). */
    public static String deltas(List<Event> events) {
        return ofType(events, "delta").stream().map(e -> e.text("text")).collect(Collectors.joining());
    }

    /** Every delta text of the agent, joined (all its instances). */
    public static String deltas(List<Event> events, String agent) {
        return ofType(events, "delta", agent).stream().map(e -> e.text("text")).collect(Collectors.joining());
    }

    /**
     * The frame-level contract: ids 1, 2, 3 … without gaps, {@code seq} and {@code type} repeat
     * the frame's id and name, one run id throughout, {@code run_started} first and {@code done} last.
     */
    public static void assertWellFormed(List<Event> events) {
        assertFalse(events.isEmpty());
        String runId = events.getFirst().text("run_id");
        for (int i = 0; i < events.size(); i++) {
            var e = events.get(i);
            assertEquals(i + 1, e.id(), "event ids must run 1, 2, 3 … without gaps: " + e);
            assertEquals(e.id(), e.data().get("seq").asLong(), "seq repeats the id: " + e);
            assertEquals(e.type(), e.text("type"), "type repeats the event name: " + e);
            assertEquals(runId, e.text("run_id"), "one run id throughout: " + e);
            assertTrue(e.data().get("ts").isIntegralNumber(), "ts is epoch milliseconds: " + e);
        }
        assertEquals("run_started", events.getFirst().type());
        assertEquals("done", events.getLast().type());
        assertEquals(1, ofType(events, "done").size());
    }

    /**
     * Every agent that started got exactly one {@code agent_completed} per start, whose text is
     * exactly what it streamed, and streamed nothing after it.
     */
    public static void assertEveryStartedAgentCompletedWithItsDeltas(List<Event> events) {
        for (String agent : started(events)) {
            for (Instance run : instances(events, agent)) {
                assertNotNull(run.completed(), agent + " started but never got agent_completed");
                assertEquals(run.text(), run.completed().text("text"),
                        "agent_completed of " + agent + " must hold exactly its streamed deltas");
            }
        }
        for (Event completed : ofType(events, "agent_completed")) {
            String agent = completed.text("agent");
            assertTrue(started(events).contains(agent), "agent_completed of " + agent + ", which never started");
        }
    }

    /**
     * The run completed with exactly {@code expected}: as its deltas joined, as the text of its one
     * {@code agent_completed} and as the output of {@code done}.
     */
    public static void assertCompletedWith(String expected, List<Event> events) {
        var done = events.getLast();
        assertEquals("completed", done.text("status"), () -> "events: " + events);
        assertEquals(expected, deltas(events));
        assertEquals(expected, only(events, "agent_completed").text("text"));
        assertEquals(expected, done.text("output"));
    }

    /**
     * The run failed with this code: one {@code error} event with that code and a message, then
     * (after nothing but the agent's completion) {@code done} with status failed. Returns the error.
     */
    public static Event assertFailed(List<Event> events, String code) {
        var error = only(events, "error");
        assertEquals(code, error.text("code"), () -> "error: " + error.data());
        assertFalse(error.text("message").isBlank());
        assertEquals("failed", events.getLast().text("status"));
        int errorAt = events.indexOf(error);
        for (int i = errorAt + 1; i < events.size() - 1; i++) {
            assertEquals("agent_completed", events.get(i).type(), "only the agent's completion comes between error and done");
        }
        return error;
    }
}
