package weft.http;

import com.sun.net.httpserver.HttpExchange;
import weft.events.LoggedEvent;
import weft.auth.Principal;
import weft.metrics.Metrics;
import weft.runs.Runs;
import weft.runs.StreamLimits;
import weft.sse.SseWriter;
import weft.store.EventLog;
import weft.store.RunRecord;
import weft.store.RunStore;
import weft.store.StoreUnavailable;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Follows one run's log onto one HTTP response: first every event after the client's last
 * one, then live events as they are logged, until {@code done}. While nothing happens it
 * sends {@code : ping} comments, which keep proxies from timing out and, since a vanished
 * client is only noticed when a write fails, find dead connections; and it looks at the run's
 * record, so that a stream whose events can no longer come ends with an {@code error} instead
 * of pinging for ever.
 *
 * <p>This is the only place where a run meets a connection, and it only reads.
 */
public final class EventStream {
    private final Runs runs;
    private final RunStore records;
    private final EventLog events;
    private final Metrics metrics;
    private final StreamLimits limits;
    private final Duration heartbeat;
    private final long retryMillis;

    public EventStream(Runs runs, RunStore records, EventLog events, Metrics metrics, StreamLimits limits, Duration heartbeat,
                Duration retry) {
        this.runs = runs;
        this.records = records;
        this.events = events;
        this.metrics = metrics;
        this.limits = limits;
        this.heartbeat = heartbeat;
        this.retryMillis = retry.toMillis();
    }

    /**
     * Opens a stream for the caller within the stream limits, or throws the refusal; the
     * caller closes it when the response is over, whichever way.
     */
    public StreamLimits.Stream open(Principal caller) {
        return limits.open(caller);
    }

    /**
     * Streams the run's events after {@code after} on a stream of its own; {@code 204 No
     * Content} when the run has ended and the client has seen its {@code done}, which tells an
     * {@code EventSource} to stop reconnecting.
     */
    void follow(HttpExchange exchange, Principal caller, RunRecord run, long after) throws IOException {
        if (seenToDone(exchange, run, after, Map.of())) return;
        try (var stream = limits.open(caller)) {
            follow(exchange, stream, run, after, Map.of());
        }
    }

    /** As {@link #follow(HttpExchange, Principal, RunRecord, long)}, on a stream {@link #open opened} already. */
    void follow(HttpExchange exchange, StreamLimits.Stream stream, RunRecord run, long after, Map<String, String> headers)
            throws IOException {
        follow(exchange, stream, run, after, headers, new WeftFrames(run.id(), retryMillis));
    }

    /**
     * Streams the run's events after {@code after} as {@code frames} renders them, on a stream
     * {@link #open opened} already: how every format serves a run.
     */
    public void follow(HttpExchange exchange, StreamLimits.Stream stream, RunRecord run, long after,
                       Map<String, String> headers, EventFrames frames) throws IOException {
        if (seenToDone(exchange, run, after, headers)) return;
        stream.follow(run.id());
        var h = exchange.getResponseHeaders();
        h.set("Content-Type", "text/event-stream; charset=utf-8");
        h.set("Cache-Control", "no-cache");
        h.set("X-Accel-Buffering", "no");
        headers.forEach(h::set);
        if (Json.isHead(exchange)) {
            // The headers a GET would get; following the run would hold a stream nobody reads.
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        runs.attach(run);
        metrics.streamOpened();
        try {
            exchange.sendResponseHeaders(200, 0);
            var sse = new SseWriter(exchange.getResponseBody());
            byte[] opening = frames.opening();
            if (opening.length > 0) sse.write(opening);
            relay(run.id(), after, sse, frames);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            metrics.streamClosed();
            runs.detach(run);
        }
    }

    private static boolean seenToDone(HttpExchange exchange, RunRecord run, long after, Map<String, String> headers)
            throws IOException {
        if (run.running() || after < run.doneSeq()) return false;
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(204, -1);
        return true;
    }

    private void relay(String runId, long after, SseWriter sse, EventFrames frames) throws IOException, InterruptedException {
        boolean live = false; // the first batch is a replay: its age says nothing about the relay
        long heartbeatNanos = heartbeat.toNanos();
        long lastWrite = System.nanoTime();
        var watch = new EndWatch();
        while (true) {
            List<LoggedEvent> batch;
            try {
                batch = events.after(runId, after, heartbeat);
            } catch (StoreUnavailable e) {
                sse.write(frames.streamError("store_unavailable", "the event store stopped answering ("
                        + e.getMessage() + "); reconnect with Last-Event-ID to resume once it is back"));
                return;
            } catch (EventLog.CorruptLog e) {
                sse.write(frames.streamError("corrupt_log", "the run's log holds an entry that is not Weft's: "
                        + e.getMessage()));
                return;
            }
            if (batch.isEmpty()) {
                String why = watch.whyNoMore(runId, after);
                if (why != null) {
                    if (!why.isEmpty()) sse.write(frames.streamError("store_unavailable", why));
                    return;
                }
                sse.comment("ping");
                lastWrite = System.nanoTime();
                live = true;
                continue;
            }
            var out = new ArrayList<byte[]>(batch.size() + 1);
            boolean done = false;
            for (LoggedEvent event : batch) {
                byte[] frame = frames.render(event);
                if (frame.length > 0) out.add(frame);
                after = event.seq();
                if (event.isDone()) {
                    done = true;
                    byte[] closing = frames.closing();
                    if (closing.length > 0) out.add(closing);
                    break;
                }
            }
            if (!out.isEmpty()) {
                sse.write(out); // what arrived together leaves together: one flush
                lastWrite = System.nanoTime();
            } else if (System.nanoTime() - lastWrite >= heartbeatNanos) {
                // A format that shows none of these events still owes proxies and the client a sign of life.
                sse.comment("ping");
                lastWrite = System.nanoTime();
            }
            for (LoggedEvent event : batch) {
                if ("delta".equals(event.type())) metrics.deltaStreamed(live ? System.nanoTime() - event.appendedNanos() : -1);
            }
            if (done) return;
            watch.reset();
            live = true;
        }
    }

    /**
     * Decides, after a heartbeat without events, whether any can still come. A run that ended
     * gets its {@code done} within moments; one whose {@code done} has not come a whole
     * heartbeat after its record ended has a log that lost it.
     */
    private final class EndWatch {
        private boolean endedBefore;

        void reset() {
            endedBefore = false;
        }

        /** Null: keep waiting; empty: end the stream quietly; else the error to end it with. */
        String whyNoMore(String runId, long after) {
            Optional<RunRecord> now;
            try {
                now = records.find(runId);
            } catch (StoreUnavailable e) {
                return "the run store stopped answering (" + e.getMessage() + "); reconnect with Last-Event-ID to resume";
            }
            if (now.isEmpty()) return "the run is gone from the store (its retention is over, or the store lost it)";
            RunRecord run = now.get();
            if (run.running()) return null;
            if (after >= run.doneSeq()) return "";
            if (!endedBefore) {
                endedBefore = true;
                return null;
            }
            return "the run ended " + run.status().wire() + " but its log has no events after " + after
                    + "; GET /v1/runs/" + runId + " has its result";
        }
    }
}
