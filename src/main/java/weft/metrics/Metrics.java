package weft.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The server's measurements, named for what they mean, rendered in the Prometheus text
 * exposition format at {@code GET /metrics}. One instance, created in {@code Main} and
 * passed to whoever records something.
 */
public final class Metrics {
    private static final double[] LATENCY_BUCKETS = {0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30};
    private static final double[] DURATION_BUCKETS = {0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600};
    private static final double[] RELAY_BUCKETS = {0.00002, 0.00005, 0.0001, 0.0002, 0.0003, 0.0005, 0.001,
            0.002, 0.005, 0.01, 0.05, 0.1};

    private final Counter runsStarted = new Counter("weft_runs_started_total", "Runs started.", null);
    private final Counter runsEnded = new Counter("weft_runs_ended_total", "Runs ended, by final status.", "status");
    private final Counter deltas = new Counter("weft_deltas_streamed_total", "Delta events written to clients.", null);
    private final Counter errors = new Counter("weft_errors_total", "Errors, in and outside streams, by code.", "code");
    private final Counter tokensGenerated = new Counter("weft_tokens_generated_total",
            "Output tokens providers generated (as they reported them, estimated when a call was cut short).", "provider");
    private final Counter tokensDelivered = new Counter("weft_tokens_delivered_total",
            "Output tokens of the text that was streamed to clients.", "provider");
    private final Counter streamsOpened = new Counter("weft_streams_opened_total", "SSE streams opened.", null);
    private final Counter streamsClosed = new Counter("weft_streams_closed_total", "SSE streams closed.", null);
    private final Histogram firstToken = new Histogram("weft_time_to_first_token_seconds",
            "From the start of a model call to its first text, by provider.", "provider", LATENCY_BUCKETS);
    private final Histogram runDuration = new Histogram("weft_run_duration_seconds",
            "From run start to its done event.", null, DURATION_BUCKETS);
    private final Histogram relay = new Histogram("weft_event_relay_seconds",
            "From an event entering the run's log to its frame being flushed to a live client.", null, RELAY_BUCKETS);
    private final List<Gauge> gauges = new ArrayList<>();

    private record Gauge(String name, String help, LongSupplier value) {}

    /** Registers a value read at scrape time, such as the number of active runs. Call during wiring only. */
    public void gauge(String name, String help, LongSupplier value) {
        gauges.add(new Gauge(name, help, value));
    }

    public void runStarted() { runsStarted.add("", 1); }

    public void runEnded(String status, double seconds) {
        runsEnded.add(status, 1);
        runDuration.observe("", seconds);
    }

    public void firstToken(String provider, double seconds) { firstToken.observe(provider, seconds); }

    public void error(String code) { errors.add(code, 1); }

    /** An agent's call ended: what its provider generated, and how much of that reached clients. */
    public void tokens(String provider, long generated, long delivered) {
        tokensGenerated.add(provider, generated);
        tokensDelivered.add(provider, delivered);
    }

    public void streamOpened() { streamsOpened.add("", 1); }

    public void streamClosed() { streamsClosed.add("", 1); }

    public long openStreams() { return streamsOpened.get("") - streamsClosed.get(""); }

    /** A delta reached a client; {@code nanos} since it entered the log, or negative for a replayed one. */
    public void deltaStreamed(long nanos) {
        deltas.add("", 1);
        if (nanos >= 0) relay.observe("", nanos / 1e9);
    }

    public String render() {
        var out = new StringBuilder(4096);
        runsStarted.render(out);
        runsEnded.render(out);
        for (var g : gauges) {
            out.append("# HELP ").append(g.name).append(' ').append(g.help).append('\n');
            out.append("# TYPE ").append(g.name).append(" gauge\n");
            out.append(g.name).append(' ').append(g.value.getAsLong()).append('\n');
        }
        out.append("# HELP weft_open_streams SSE streams open now.\n# TYPE weft_open_streams gauge\n");
        out.append("weft_open_streams ").append(openStreams()).append('\n');
        streamsOpened.render(out);
        streamsClosed.render(out);
        deltas.render(out);
        tokensGenerated.render(out);
        tokensDelivered.render(out);
        errors.render(out);
        firstToken.render(out);
        runDuration.render(out);
        relay.render(out);
        return out.toString();
    }

    static String escape(String labelValue) {
        return labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
