package weft.runs;

import org.junit.jupiter.api.Test;
import weft.store.InMemoryUserCounters;
import weft.testing.Await;
import weft.testing.TestServer;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Everything a client makes the server hold is let go of in time: memory does not grow with traffic. */
class BoundedStateTest {

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void twentyThousandRunsAndFiftyThousandSessionsAreForgottenAfterTheirTime() throws Exception {
        try (TestServer server = TestServer.start(Map.of("WEFT_RUN_RETENTION", "3s", "WEFT_SESSION_TTL", "3s", "WEFT_RUN_TIMEOUT", "2s"))) {
            var warm = server.post("/v1/runs", "{\"input\":\"warm up\",\"stream\":false,\"max_tokens\":4}");
            assertEquals(200, warm.statusCode());
            Await.until("the warm-up is forgotten", Duration.ofSeconds(20),
                    () -> server.metric("weft_retained_runs") == 0 && server.metric("weft_sessions") == 0);
            long before = heapAfterGc();

            try (var pool = Executors.newFixedThreadPool(8)) {
                var batches = new ArrayList<Future<?>>();
                for (int t = 0; t < 8; t++) {
                    batches.add(pool.submit(() -> {
                        for (int i = 0; i < 2_500; i++) {
                            var r = server.post("/v1/runs", "{\"input\":\"question " + i + "\",\"stream\":false,\"max_tokens\":4}");
                            if (r.statusCode() != 200) throw new AssertionError(r.statusCode() + " " + r.body());
                        }
                        return null;
                    }));
                }
                for (var b : batches) b.get();
            }
            assertTrue(server.metric("weft_retained_runs") >= 100, "ended runs are kept for their retention time");
            var sessions = server.weft().stores().sessions();
            for (int i = 0; i < 30_000; i++) sessions.create("soak"); // 20,000 from the runs, 30,000 more
            assertTrue(server.metric("weft_sessions") >= 100, "and sessions for their time to live");

            Await.until("every run and session is forgotten", Duration.ofSeconds(60),
                    () -> server.metric("weft_retained_runs") == 0 && server.metric("weft_sessions") == 0);
            long after = heapAfterGc();
            long grewMb = (after - before) >> 20;
            assertTrue(grewMb < 64, "the heap grew by " + grewMb + " MB after 20,000 runs and 50,000 sessions had expired");
        }
    }

    @Test
    void aSessionOverTheHistoryLimitIsRefusedWithA409ThatSaysWhatToDo() {
        try (TestServer server = TestServer.start(Map.of("WEFT_MAX_HISTORY_CHARS", "40"))) {
            var first = TestServer.json(server.post("/v1/runs", "{\"input\":\"tell me a lot\",\"stream\":false,\"max_tokens\":30}"));
            String session = first.get("session_id").asText();
            var refused = server.post("/v1/runs", "{\"input\":\"more\",\"session_id\":\"" + session + "\"}");
            assertEquals(409, refused.statusCode(), refused.body());
            String message = TestServer.json(refused).get("error").get("message").asText();
            assertTrue(message.contains("WEFT_MAX_HISTORY_CHARS") && message.contains("new session")
                    && message.contains("DELETE /v1/sessions/" + session), message);
            assertEquals(0, server.metric("weft_active_runs"), "a refused run holds no place");
        }
    }

    @Test
    void aSessionIsRenewedByUseAndExpiresWhenUnused() {
        // A session must outlive its longest run, so the run timeout bounds how short its life can
        // be. Each use comes 3.5 s after the one before: past half the 6 s to live, so only a
        // renewal keeps the session, with 2.5 s to spare for a slow machine.
        try (TestServer server = TestServer.start(Map.of("WEFT_SESSION_TTL", "6s", "WEFT_RUN_TIMEOUT", "3s"))) {
            String session = TestServer.json(server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false}")).get("session_id").asText();
            long[] lastUse = {System.nanoTime()};
            for (int i = 0; i < 3; i++) {
                Await.until("more than half the time to live has passed", Duration.ofSeconds(10),
                        () -> System.nanoTime() - lastUse[0] > 3_500_000_000L);
                long sent = System.nanoTime(); // the renewal happens after this, while the request is served
                assertEquals(200, server.get("/v1/sessions/" + session).statusCode(), "still there after use " + i);
                lastUse[0] = sent;
            }
            // weft_sessions counts without touching, so watching it does not keep the session alive.
            Await.until("the unused session expires", Duration.ofSeconds(20), () -> server.metric("weft_sessions") == 0);
            // The store stamps a use in whole milliseconds of the wall clock: up to 1 ms early by this one.
            assertTrue(System.nanoTime() - lastUse[0] >= 6_000_000_000L - 2_000_000L, "not before its time to live");
            assertEquals(404, server.get("/v1/sessions/" + session).statusCode());
        }
    }

    @Test
    void rateLimitBucketsOfIdleSubjectsAreForgotten() {
        var counters = new InMemoryUserCounters();
        long now = 0;
        for (int i = 0; i < 1_000; i++) assertEquals(0, counters.takeToken("subject-" + i, 60, now));
        assertEquals(1_000, counters.keys());
        counters.sweep(now + 500);
        assertEquals(1_000, counters.keys(), "a bucket still refilling is kept");
        counters.sweep(now + 1_000);
        assertEquals(0, counters.keys(), "a bucket full again is the same as none");
    }
}
