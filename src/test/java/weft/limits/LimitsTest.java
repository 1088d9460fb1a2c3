package weft.limits;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import weft.store.Ids;
import weft.testing.Await;
import weft.testing.BrokenStores;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every per-user and global limit on runs and streams, over HTTP, on both stores: the excess
 * is refused with the status, {@code Retry-After} and a message naming the setting, and the
 * place comes back when the run or stream ends, whichever way it ends.
 */
class LimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** A demo model slow enough that a run stays running until it is cancelled. */
    private static final Map<String, String> SLOW = Map.of("WEFT_DEMO_TTFT", "0ms", "WEFT_DEMO_TOKENS_PER_SECOND", "5",
            "WEFT_HEARTBEAT", "200ms");

    private static Map<String, String> slowWith(String... pairs) {
        var env = new HashMap<>(SLOW);
        for (int i = 0; i < pairs.length; i += 2) env.put(pairs[i], pairs[i + 1]);
        return env;
    }

    /** The refusal's message, after checking its status, code, Retry-After and that it names the setting. */
    private static String assertRefused(HttpResponse<String> response, int status, String code, String setting) {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode error = TestServer.json(response).get("error");
        assertEquals(code, error.get("code").asText(), response.body());
        String message = error.get("message").asText();
        assertTrue(message.contains(setting), message);
        String retry = response.headers().firstValue("Retry-After").orElseThrow(() -> new AssertionError("no Retry-After"));
        assertTrue(Long.parseLong(retry) > 0, "Retry-After: " + retry);
        return message;
    }

    private static String slowRun(TestServer server) {
        return server.startBackground("\"input\":\"tell me about rivers\",\"max_tokens\":1000");
    }

    private static void cancel(TestServer server, String runId) {
        assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
        server.awaitEnd(runId);
    }

    private static void awaitZero(TestServer server, String... gauges) {
        for (String gauge : gauges) Await.until(gauge + " is back to 0", WAIT, () -> server.metric(gauge) == 0);
    }

    private static HttpResponse<String> quickRun(TestServer server) {
        return server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false,\"max_tokens\":1}");
    }

    // ---------------------------------------------------------------- runs per user

    @Test
    void aUsersRunBeyondWeftMaxRunsPerUserIs429UntilOneEnds() {
        try (TestServer server = TestServer.start(slowWith("WEFT_MAX_RUNS_PER_USER", "1"))) {
            String held = slowRun(server);
            String message = assertRefused(server.post("/v1/runs", "{\"input\":\"one more\",\"background\":true}"),
                    429, "rate_limited", "WEFT_MAX_RUNS_PER_USER");
            assertTrue(message.contains("the limit is 1"), message);
            assertRefused(server.post("/v1/runs", "{\"input\":\"streamed\"}"), 429, "rate_limited", "WEFT_MAX_RUNS_PER_USER");
            assertEquals(1, server.metric("weft_user_run_places"));
            assertEquals(0, server.metric("weft_open_streams"), "the refused streamed run opened no stream");

            cancel(server, held);
            awaitZero(server, "weft_user_run_places");
            assertEquals(200, quickRun(server).statusCode(), "the place came back");
            awaitZero(server, "weft_user_run_places", "weft_active_runs");
        }
    }

    @Test
    void aRunRefusedForItsUsersLimitSpendsNoRateToken() {
        try (TestServer server = TestServer.start(slowWith("WEFT_MAX_RUNS_PER_USER", "1", "WEFT_RATE_LIMIT", "2"))) {
            String held = slowRun(server);
            for (int i = 0; i < 3; i++) {
                assertRefused(server.post("/v1/runs", "{\"input\":\"more\",\"background\":true}"),
                        429, "rate_limited", "WEFT_MAX_RUNS_PER_USER");
            }
            cancel(server, held);
            awaitZero(server, "weft_user_run_places");
            assertEquals(200, quickRun(server).statusCode(), "the second of two runs a minute");
            assertRefused(quickRun(server), 429, "rate_limited", "WEFT_RATE_LIMIT");
        }
    }

    @Test
    void aRunRefusedAfterAdmissionGivesItsPlaceBack() {
        try (TestServer server = TestServer.start(slowWith("WEFT_MAX_RUNS_PER_USER", "2"))) {
            String held = slowRun(server);
            String session = TestServer.json(server.get("/v1/runs/" + held)).get("session_id").asText();
            var busy = server.post("/v1/runs", "{\"input\":\"same session\",\"session_id\":\"" + session + "\"}");
            assertEquals(409, busy.statusCode(), busy.body());
            assertEquals(1, server.metric("weft_user_run_places"), "the conflicting run gave its place back");

            String second = slowRun(server);
            assertRefused(server.post("/v1/runs", "{\"input\":\"third\"}"), 429, "rate_limited", "WEFT_MAX_RUNS_PER_USER");
            cancel(server, held);
            cancel(server, second);
            awaitZero(server, "weft_user_run_places");
        }
    }

    @Test
    void aRunTheStoreRefusedGivesItsPlaceBack() {
        var broken = new BrokenStores();
        try (TestServer server = TestServer.start(Map.of("WEFT_MAX_RUNS_PER_USER", "1"), broken::wrap)) {
            broken.failOnce("runs.create");
            assertEquals(503, quickRun(server).statusCode());
            assertEquals(0, server.metric("weft_user_run_places"));
            assertEquals(200, quickRun(server).statusCode(), "the place is free");

            broken.fail("counters");
            var down = quickRun(server);
            assertEquals(503, down.statusCode(), "a store that does not count refuses: " + down.body());
            broken.heal();
            assertEquals(200, quickRun(server).statusCode());
            awaitZero(server, "weft_user_run_places", "weft_active_runs");
        }
    }

    @Test
    void aUsersRunsAreLimitedAcrossInstancesOnOneRedis() {
        assumeTrue(TestServer.onRedis(), "instances share limits only through Redis");
        var shared = slowWith("WEFT_MAX_RUNS_PER_USER", "1", "WEFT_REDIS_PREFIX", "test:" + Ids.newId("") + ":");
        try (TestServer a = TestServer.start(shared); TestServer b = TestServer.start(shared)) {
            String held = slowRun(a);
            assertRefused(b.post("/v1/runs", "{\"input\":\"elsewhere\"}"), 429, "rate_limited", "WEFT_MAX_RUNS_PER_USER");
            cancel(a, held);
            awaitZero(a, "weft_user_run_places");
            assertEquals(200, quickRun(b).statusCode(), "the place came back on every instance");
        }
    }

    @Test
    void anInstanceThatShutsDownGivesItsUsersPlacesBack() {
        assumeTrue(TestServer.onRedis(), "only a shared store outlives the instance");
        // A long lease: the place must come back at shutdown, not by lapsing.
        var shared = slowWith("WEFT_MAX_RUNS_PER_USER", "1", "WEFT_MAX_STREAMS_PER_USER", "1", "WEFT_RUN_LEASE", "60s",
                "WEFT_SHUTDOWN_GRACE", "0s", "WEFT_REDIS_PREFIX", "test:" + Ids.newId("") + ":");
        try (TestServer b = TestServer.start(shared)) {
            TestServer a = TestServer.start(shared);
            try (SseStream stream = a.streamRun("{\"input\":\"held\",\"max_tokens\":1000}")) {
                assertEquals("run_started", stream.nextEvent().type());
                a.close();
            }
            assertEquals(200, quickRun(b).statusCode(), "the run place is free");
            String run = slowRun(b);
            try (SseStream stream = b.follow(run)) {
                assertEquals(200, stream.status(), "the stream place is free");
            }
            cancel(b, run);
        }
    }

    // ---------------------------------------------------------------- tokens per day

    @Test
    void aRunThatCrossesTheDailyTokenQuotaFinishesAndTheNextIsRefusedUntilMidnightUtc() {
        try (TestServer server = TestServer.start(Map.of("WEFT_TOKENS_PER_DAY", "10"))) {
            var crossing = quickRunOf(server, 30);
            assertEquals(200, crossing.statusCode(), crossing.body());
            JsonNode run = TestServer.json(crossing);
            assertEquals("completed", run.get("status").asText());
            assertEquals(30, run.get("usage").get("output_tokens").asLong(), "it ran past the quota to its end");

            long now = System.currentTimeMillis();
            var refused = quickRunOf(server, 1);
            String message = assertRefused(refused, 429, "rate_limited", "WEFT_TOKENS_PER_DAY");
            assertTrue(message.contains("used 30 output tokens today") && message.contains("the limit is 10"), message);
            long retry = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
            long toMidnight = (86_400_000L - now % 86_400_000L) / 1000;
            assertTrue(Math.abs(retry - toMidnight) <= 5, "Retry-After " + retry + ", midnight UTC in " + toMidnight);
        }
    }

    @Test
    void aCancelledRunsEstimatedTokensCountAgainstTheQuota() {
        try (TestServer server = TestServer.start(slowWith("WEFT_TOKENS_PER_DAY", "3", "WEFT_DEMO_TOKENS_PER_SECOND", "50"))) {
            String runId = slowRun(server);
            try (SseStream stream = server.follow(runId, "Last-Event-ID", "0")) {
                int deltas = 0;
                while (deltas < 15) if (stream.nextEvent().type().equals("delta")) deltas++;
                assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
                assertEquals("cancelled", stream.readToDone().getLast().text("status"));
            }
            var usage = server.awaitEnd(runId).usage();
            assertTrue(usage.estimated() && usage.outputTokens() >= 3, "usage " + usage);
            assertRefused(quickRun(server), 429, "rate_limited", "WEFT_TOKENS_PER_DAY");
        }
    }

    private static HttpResponse<String> quickRunOf(TestServer server, int maxTokens) {
        return server.post("/v1/runs", "{\"input\":\"tell me about rivers\",\"stream\":false,\"max_tokens\":" + maxTokens + "}");
    }

    // ---------------------------------------------------------------- streams

    @Test
    void aUsersStreamBeyondWeftMaxStreamsPerUserIs429UntilOneCloses() {
        try (TestServer server = TestServer.start(slowWith("WEFT_MAX_STREAMS_PER_USER", "1"))) {
            String runId = slowRun(server);
            try (SseStream first = server.follow(runId)) {
                assertEquals("run_started", first.nextEvent().type());
                assertRefused(server.get("/v1/runs/" + runId + "/events"), 429, "rate_limited", "WEFT_MAX_STREAMS_PER_USER");
                double started = server.metric("weft_runs_started_total");
                assertRefused(server.post("/v1/runs", "{\"input\":\"streamed\"}"), 429, "rate_limited", "WEFT_MAX_STREAMS_PER_USER");
                assertEquals(started, server.metric("weft_runs_started_total"), "a run refused its stream is not started");
            }
            // The client hung up: the server notices at its next write and gives the place back.
            awaitZero(server, "weft_user_stream_places", "weft_open_streams", "weft_followed_runs");
            try (SseStream again = server.follow(runId)) {
                assertEquals(200, again.status());
                assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
                assertEquals("cancelled", again.readToDone().getLast().text("status"));
            }
            awaitZero(server, "weft_user_stream_places", "weft_open_streams", "weft_followed_runs");
            try (SseStream streamed = server.streamRun("{\"input\":\"hi\",\"max_tokens\":2}")) {
                assertEquals("completed", streamed.readToDone().getLast().text("status"), "a streamed run ends its stream's hold");
            }
            awaitZero(server, "weft_user_stream_places", "weft_open_streams", "weft_followed_runs", "weft_active_runs");
        }
    }

    @Test
    void aStreamBeyondWeftMaxStreamsIs503Overloaded() {
        try (TestServer server = TestServer.start(slowWith("WEFT_MAX_STREAMS", "1"))) {
            String runId = slowRun(server);
            try (SseStream first = server.follow(runId)) {
                assertEquals("run_started", first.nextEvent().type());
                assertRefused(server.get("/v1/runs/" + runId + "/events"), 503, "overloaded", "WEFT_MAX_STREAMS");
                assertRefused(server.post("/v1/runs", "{\"input\":\"streamed\"}"), 503, "overloaded", "WEFT_MAX_STREAMS");
                assertEquals(202, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
                first.readToDone();
            }
            awaitZero(server, "weft_open_streams", "weft_followed_runs");
            try (SseStream streamed = server.streamRun("{\"input\":\"hi\",\"max_tokens\":2}")) {
                assertEquals("completed", streamed.readToDone().getLast().text("status"));
            }
        }
    }

    @Test
    void aFollowerBeyondWeftMaxFollowersPerRunIs429AndOtherRunsStillFollow() {
        try (TestServer server = TestServer.start(slowWith("WEFT_MAX_FOLLOWERS_PER_RUN", "1"))) {
            String one = slowRun(server);
            String two = slowRun(server);
            try (SseStream first = server.follow(one); SseStream other = server.follow(two)) {
                assertEquals("run_started", first.nextEvent().type());
                assertEquals("run_started", other.nextEvent().type());
                String message = assertRefused(server.get("/v1/runs/" + one + "/events"), 429, "rate_limited",
                        "WEFT_MAX_FOLLOWERS_PER_RUN");
                assertTrue(message.contains(one), message);
                assertEquals(2, server.metric("weft_followed_runs"));
            }
            awaitZero(server, "weft_followed_runs", "weft_open_streams");
            try (SseStream again = server.follow(one)) {
                assertEquals(200, again.status(), "the follower's place came back");
            }
            cancel(server, one);
            cancel(server, two);
            awaitZero(server, "weft_followed_runs", "weft_open_streams", "weft_active_runs");
        }
    }
}
