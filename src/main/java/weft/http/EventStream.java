package weft.http;

import com.sun.net.httpserver.HttpExchange;
import weft.events.LoggedEvent;
import weft.metrics.Metrics;
import weft.runs.Run;
import weft.runs.Runs;
import weft.sse.SseWriter;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Follows one run's log onto one HTTP response: first every event after the client's last
 * one, then live events as they are appended, until {@code done}. While nothing happens it
 * sends {@code : ping} comments, which keep proxies from timing out and, since a vanished
 * client is only noticed when a write fails, find dead connections.
 *
 * <p>This is the only place where a run meets a connection, and it only reads.
 */
final class EventStream {
    private final Runs runs;
    private final Metrics metrics;
    private final Duration heartbeat;
    private final long retryMillis;

    EventStream(Runs runs, Metrics metrics, Duration heartbeat, Duration retry) {
        this.runs = runs;
        this.metrics = metrics;
        this.heartbeat = heartbeat;
        this.retryMillis = retry.toMillis();
    }

    void follow(HttpExchange exchange, Run run, long after, Map<String, String> headers) throws IOException {
        var h = exchange.getResponseHeaders();
        h.set("Content-Type", "text/event-stream; charset=utf-8");
        h.set("Cache-Control", "no-cache");
        h.set("X-Accel-Buffering", "no");
        headers.forEach(h::set);
        runs.attach(run);
        metrics.streamOpened();
        try {
            exchange.sendResponseHeaders(200, 0);
            var sse = new SseWriter(exchange.getResponseBody());
            sse.retry(retryMillis);
            relay(run, after, sse);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            metrics.streamClosed();
            runs.detach(run);
        }
    }

    private void relay(Run run, long after, SseWriter sse) throws IOException, InterruptedException {
        boolean live = false; // the first batch is a replay: its age says nothing about the relay
        while (true) {
            List<LoggedEvent> batch = run.log().after(after, heartbeat);
            if (batch.isEmpty()) {
                if (run.log().closed()) return;
                sse.comment("ping");
                live = true;
                continue;
            }
            for (LoggedEvent event : batch) {
                sse.write(event.frame());
                after = event.seq();
                if ("delta".equals(event.type())) {
                    metrics.deltaStreamed(live ? System.nanoTime() - event.appendedNanos() : -1);
                }
                if (event.isDone()) return;
            }
            live = true;
        }
    }
}
