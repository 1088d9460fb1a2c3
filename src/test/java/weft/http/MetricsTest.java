package weft.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /metrics} speaks the Prometheus text format and counts what happened. */
class MetricsTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(ScriptedProvider.of("script", List.of("a", "b", "c", "d")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void metricsCountRunsDeltasStreamsAndErrors() {
        double started = server.metric("weft_runs_started_total");
        double completed = server.metric("weft_runs_ended_total{status=\"completed\"}");
        double deltas = server.metric("weft_deltas_streamed_total");
        double notFound = server.metric("weft_errors_total{code=\"not_found\"}");
        double generated = server.metric("weft_tokens_generated_total{provider=\"script\"}");
        double delivered = server.metric("weft_tokens_delivered_total{provider=\"script\"}");
        try (SseStream stream = server.streamRun("{\"input\":\"hi\",\"provider\":\"script\"}")) {
            stream.readToDone();
        }
        server.get("/v1/runs/r_missing");
        assertEquals(started + 1, server.metric("weft_runs_started_total"));
        assertEquals(completed + 1, server.metric("weft_runs_ended_total{status=\"completed\"}"));
        assertEquals(deltas + 4, server.metric("weft_deltas_streamed_total"));
        assertEquals(notFound + 1, server.metric("weft_errors_total{code=\"not_found\"}"));
        assertEquals(0, server.metric("weft_active_runs"));
        assertEquals(generated + 4, server.metric("weft_tokens_generated_total{provider=\"script\"}"));
        assertEquals(delivered + 4, server.metric("weft_tokens_delivered_total{provider=\"script\"}"));
    }

    @Test
    void exposesEveryFamilyInTextFormat() {
        try (SseStream stream = server.streamRun("{\"input\":\"hi\",\"provider\":\"script\"}")) {
            stream.readToDone();
        }
        var response = server.get("/metrics");
        assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().firstValue("Content-Type").orElseThrow());
        String body = response.body();
        for (String family : List.of("weft_runs_started_total counter", "weft_runs_ended_total counter",
                "weft_active_runs gauge", "weft_open_streams gauge", "weft_retained_runs gauge",
                "weft_time_to_first_token_seconds histogram", "weft_run_duration_seconds histogram",
                "weft_deltas_streamed_total counter", "weft_errors_total counter", "weft_event_relay_seconds histogram")) {
            assertTrue(body.contains("# TYPE " + family + "\n"), "missing " + family);
        }
        assertTrue(body.contains("weft_time_to_first_token_seconds_bucket{provider=\"script\",le=\"+Inf\"} "));
        assertTrue(body.contains("weft_time_to_first_token_seconds_count{provider=\"script\"} "));
        assertTrue(body.endsWith("\n"));
    }
}
