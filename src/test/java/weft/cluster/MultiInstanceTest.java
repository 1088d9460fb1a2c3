package weft.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.SseStream;
import weft.testing.SseStream.Event;
import weft.testing.WeftProcess;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.cluster.Cluster.background;
import static weft.cluster.Cluster.follow;
import static weft.cluster.Cluster.get;
import static weft.cluster.Cluster.json;
import static weft.cluster.Cluster.post;

/** Three instances on one Redis act as one server: any of them serves, resumes and stops any run. */
class MultiInstanceTest {
    private static Cluster cluster;
    private static WeftProcess a, b, c;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start(3, Map.of());
        a = cluster.get(0);
        b = cluster.get(1);
        c = cluster.get(2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static List<String> data(List<Event> events) {
        return events.stream().map(e -> e.sse().data()).toList();
    }

    @Test
    void aRunStartedOnOneInstanceResumesOnAnotherAtEveryEventWithNothingLostOrRepeated() {
        String runId = background(a, "\"input\":\"resume me\",\"max_tokens\":30");
        List<Event> whole;
        try (SseStream s = follow(a, runId, 0)) {
            whole = s.readToDone();
        }
        for (int i = 1; i <= whole.size(); i++) assertEquals(i, whole.get(i - 1).id(), "ids run 1, 2, 3 … without gaps");
        for (long k = 0; k < whole.size(); k++) {
            try (SseStream s = follow(b, runId, k)) {
                assertEquals(data(whole.subList((int) k, whole.size())), data(s.readToDone()), "resumed on B after " + k);
            }
        }
        assertEquals(204, get(b, "/v1/runs/" + runId + "/events?after=" + whole.size()).statusCode());
        JsonNode record = json(get(c, "/v1/runs/" + runId));
        assertEquals("completed", record.get("status").asText());
        assertEquals(whole.getLast().text("output"), record.get("output").asText());
    }

    @Test
    void aFollowerThatResumesOnAnotherInstanceWhileTheRunGoesOnMissesNothing() {
        String runId = background(a, "\"input\":\"live resume\",\"max_tokens\":200");
        var seen = new ArrayList<Event>();
        try (SseStream s = follow(a, runId, 0)) {
            while (seen.size() < 5) seen.add(s.nextEvent());
        }
        try (SseStream s = follow(b, runId, seen.getLast().id())) {
            seen.addAll(s.readToDone());
        }
        for (int i = 1; i <= seen.size(); i++) assertEquals(i, seen.get(i - 1).id());
        assertEquals("done", seen.getLast().type());
    }

    @Test
    void followersOnEveryInstanceOfOneResearchRunSeeIdenticalEvents() throws Exception {
        String runId = background(a, "\"workflow\":\"research\",\"input\":\"Kafka or Redis?\",\"max_tokens\":40");
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var streams = new ArrayList<Future<List<String>>>();
            for (WeftProcess at : List.of(a, b, c)) {
                streams.add(pool.submit(() -> {
                    try (SseStream s = follow(at, runId, 0)) {
                        return data(s.readToDone());
                    }
                }));
            }
            var onA = streams.get(0).get();
            assertEquals(onA, streams.get(1).get(), "B saw what A saw");
            assertEquals(onA, streams.get(2).get(), "C saw what A saw");
            assertTrue(onA.stream().filter(d -> d.contains("\"researcher-2\"")).count() > 1, "a parallel research run");
        }
    }

    @Test
    void cancellingThroughAnotherInstanceStopsTheRunWithin500Milliseconds() {
        String runId = background(a, "\"input\":\"stop me\",\"max_tokens\":5000");
        try (SseStream s = follow(c, runId, 0)) {
            while (!s.nextEvent().type().equals("delta")) { }
            long asked = System.nanoTime();
            var answer = post(b, "/v1/runs/" + runId + "/cancel", "");
            assertEquals(202, answer.statusCode(), answer.body());
            assertEquals("cancelling", json(answer).get("status").asText());
            Event done;
            do {
                done = s.nextEvent();
            } while (!done.type().equals("done"));
            long millis = (System.nanoTime() - asked) / 1_000_000;
            assertEquals("cancelled", done.text("status"));
            assertTrue(millis < 1500, "stopped " + millis + " ms after the cancel (target 500 ms; the bound is generous for slow CI)");
        }
        var again = post(c, "/v1/runs/" + runId + "/cancel", "");
        assertEquals(409, again.statusCode());
        assertEquals("cancelled", json(again).get("error").get("status").asText());
    }

    @Test
    void cancellingOneAgentThroughAnotherInstanceStopsOnlyThatAgent() {
        String runId = background(a, "\"workflow\":\"research\",\"input\":\"Kafka or Redis?\",\"max_tokens\":4000");
        try (SseStream s = follow(b, runId, 0)) {
            Event e;
            do {
                e = s.nextEvent();
            } while (!(e.type().equals("delta") && e.text("agent").equals("researcher-1")));
            var answer = post(c, "/v1/runs/" + runId + "/agents/researcher-1/cancel", "");
            assertEquals(202, answer.statusCode(), answer.body());
            var unknown = post(c, "/v1/runs/" + runId + "/agents/nobody/cancel", "");
            assertEquals(404, unknown.statusCode(), unknown.body());
            boolean cancelledError = false;
            do {
                e = s.nextEvent();
                if (e.type().equals("error") && e.text("agent").equals("researcher-1")) {
                    assertEquals("cancelled", e.text("code"));
                    cancelledError = true;
                    post(c, "/v1/runs/" + runId + "/cancel", ""); // the rest is not needed
                }
            } while (!e.type().equals("done"));
            assertTrue(cancelledError, "researcher-1 reported that it was cancelled");
        }
    }

    @Test
    void aFollowerOnAnotherInstanceCountsForTheRunsDisconnectPolicy() {
        String runId = background(a, "\"input\":\"watch me\",\"max_tokens\":5000,\"on_disconnect\":\"cancel\"");
        try (SseStream s = follow(b, runId, 0)) {
            while (!s.nextEvent().type().equals("delta")) { }
            assertEquals("running", json(get(a, "/v1/runs/" + runId)).get("status").asText(), "followed from B, so it goes on");
        } // the only follower, on B, leaves: A cancels the run
        try (SseStream s = follow(c, runId, 0)) {
            Event e;
            do {
                e = s.nextEvent();
            } while (!e.type().equals("done"));
            assertEquals("cancelled", e.text("status"));
        }
    }

    @Test
    void aClientToolsResultPostedToAnotherInstanceLetsTheRunGoOnAndEveryInstanceShowsWhatItWaitsFor() {
        String tool = "{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}";
        String runId = background(a, "\"input\":\"What is the weather in Utrecht?\",\"tools\":[" + tool + "]");
        try (SseStream s = follow(b, runId, 0)) {
            Event call;
            do {
                call = s.nextEvent();
            } while (!call.type().equals("tool_call"));
            assertEquals("client", call.text("executor"));
            assertEquals("Utrecht", call.data().path("arguments").path("city").asText());
            String callId = call.text("call_id");
            JsonNode waiting = json(get(c, "/v1/runs/" + runId)).get("waiting_for");
            assertEquals(callId, waiting.get(0).get("call_id").asText(), "C reads what A's run waits for");

            var posted = post(c, "/v1/runs/" + runId + "/tool_results",
                    "{\"results\":[{\"call_id\":\"" + callId + "\",\"result\":{\"sky\":\"clear\",\"celsius\":14}}]}");
            assertEquals(202, posted.statusCode(), posted.body());
            var twice = post(b, "/v1/runs/" + runId + "/tool_results",
                    "{\"results\":[{\"call_id\":\"" + callId + "\",\"result\":1}]}");
            assertEquals(409, twice.statusCode(), "answered already, whichever instance is asked: " + twice.body());

            var rest = s.readToDone();
            Event result = rest.stream().filter(e -> e.type().equals("tool_result")).findFirst().orElseThrow();
            assertEquals("clear", result.data().path("result").path("sky").asText());
            assertEquals("completed", rest.getLast().text("status"));
            assertTrue(rest.getLast().text("output").contains("clear"), rest.getLast().text("output"));
        }
    }

    @Test
    void aSessionGoesOnOnAnotherInstance() {
        var first = json(post(a, "/v1/runs", "{\"input\":\"first question\",\"stream\":false,\"max_tokens\":8}"));
        String session = first.get("session_id").asText();
        var second = json(post(b, "/v1/runs", "{\"input\":\"second question\",\"stream\":false,\"max_tokens\":8,\"session_id\":\""
                + session + "\"}"));
        assertEquals("completed", second.get("status").asText());
        JsonNode history = json(get(c, "/v1/sessions/" + session)).get("messages");
        assertEquals(4, history.size(), history.toString());
        assertEquals("second question", history.get(2).get("content").asText());
        assertEquals(second.get("output").asText(), history.get(3).get("content").asText());
    }
}
