package weft.testing;

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

/** Reading the events of a multi-agent run: by type, by agent, and by one agent's run from start to completion. */
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

    public static List<Event> ofType(List<Event> events, String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    public static List<Event> ofType(List<Event> events, String type, String agent) {
        return events.stream().filter(e -> e.type().equals(type) && agent.equals(e.text("agent"))).toList();
    }

    public static Event only(List<Event> events, String type, String agent) {
        var found = ofType(events, type, agent);
        assertEquals(1, found.size(), "expected exactly one " + type + " of " + agent + ", got " + found);
        return found.getFirst();
    }

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
}
