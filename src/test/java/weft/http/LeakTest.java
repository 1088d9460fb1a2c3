package weft.http;

import org.junit.jupiter.api.Test;
import weft.testing.Await;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.testing.ThreadDump.threadNames;

/** Runs leave nothing behind: no threads, and no retained runs once their retention is over. */
class LeakTest {

    private static long count(List<String> names, String prefix) {
        return names.stream().filter(n -> prefix.isEmpty() ? n.isEmpty() : n.startsWith(prefix)).count();
    }

    @Test
    void fiftyRunsLeaveNoThreadsAndNoRetainedRunsAfterRetention() throws Exception {
        var script = ScriptedProvider.of("script", List.of("a", "b", "c")).pausing(Duration.ofMillis(1));
        try (TestServer server = TestServer.start(Map.of("WEFT_RUN_RETENTION", "2s") /* long enough for a slow machine to read every run to done */, script)) {
            // Warm up so that pools the JDK creates lazily exist before the baseline.
            try (SseStream s = server.streamRun("{\"input\":\"warm\",\"provider\":\"script\"}")) { s.readToDone(); }
            Await.until("the warm-up run is evicted", Duration.ofSeconds(10), () -> server.metric("weft_retained_runs") == 0);
            var before = threadNames();
            var timers = (java.util.concurrent.ScheduledThreadPoolExecutor) server.weft().timers();

            for (int i = 0; i < 50; i++) {
                String body = i % 2 == 0 ? "{\"input\":\"n" + i + "\",\"provider\":\"script\"}"
                        : "{\"input\":\"n" + i + "\",\"provider\":\"script\"}"; // grace: each leaves a grace check behind
                try (SseStream s = server.streamRun(body)) {
                    if (i % 2 == 0) s.readToDone(); else s.nextEvent(); // half of them are abandoned mid-run
                }
            }
            assertTrue(server.metric("weft_retained_runs") > 0, "ended runs are kept for their retention time");
            Await.until("every run has ended and been evicted", Duration.ofSeconds(20),
                    () -> server.metric("weft_retained_runs") == 0 && server.metric("weft_active_runs") == 0);
            Await.until("every stream is closed", Duration.ofSeconds(20), () -> server.metric("weft_open_streams") == 0);

            // Besides the periodic ones (lease keeper, housekeeping) no timer is left: no grace check of an ended run.
            var oneShot = timers.getQueue().stream()
                    .filter(t -> !((java.util.concurrent.RunnableScheduledFuture<?>) t).isPeriodic()).toList();
            assertEquals(List.of(), oneShot, "timers of ended runs are still queued");
            var after = threadNames();
            assertEquals(0, count(after, "run "), "run threads still alive: " + after);
            // The JDK starts pollers and clients' selector threads as it likes; the server's own threads are
            // its unnamed handler threads (virtual), its run threads and the ones named weft.
            assertTrue(count(after, "") <= count(before, ""), "handler threads grew: before " + before + " after " + after);
            assertEquals(count(before, "weft"), count(after, "weft"), "weft threads changed: " + after);
        }
    }
}
