package weft.edge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import weft.auth.Principal;
import weft.config.Settings;
import weft.json.Jackson;
import weft.runs.RunEnded;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The access log: one JSON line per request and one per run end, each handed whole to
 * {@code out} (stdout in {@code Main}), so lines from many threads never interleave.
 *
 * <p>A request's line is written when its answer is complete, a stream's when the stream
 * ends, with the bytes of the body sent. The path is logged without its query, so a
 * {@code ?ticket=} never reaches the log. The subject is read after the rest of the chain has
 * run, since authentication comes later in it.
 *
 * <p>{@code WEFT_LOG=runs} keeps only the run lines, {@code off} neither.
 */
public final class AccessLog extends Filter {
    private static final ObjectMapper JSON = Jackson.mapper();
    private static final Pattern RUN_PATH = Pattern.compile("^/v1/runs/([^/]+)");

    private final Consumer<String> out;
    private final Settings.LogMode mode;

    /** @param out takes one line at a time and must be safe to call from many threads at once */
    public AccessLog(Consumer<String> out, Settings.LogMode mode) {
        this.out = out;
        this.mode = mode;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        if (mode != Settings.LogMode.REQUESTS) {
            chain.doFilter(exchange);
            return;
        }
        long start = System.nanoTime();
        long time = System.currentTimeMillis();
        var body = new Counting(exchange.getResponseBody());
        exchange.setStreams(null, body);
        try {
            chain.doFilter(exchange);
        } finally {
            write(request(exchange, time, (System.nanoTime() - start) / 1_000_000, body.count()));
        }
    }

    private static ObjectNode request(HttpExchange exchange, long time, long durationMs, long bytes) {
        String path = exchange.getRequestURI().getRawPath();
        ObjectNode line = JSON.createObjectNode()
                .put("type", "request")
                .put("time", Instant.ofEpochMilli(time).toString())
                .put("method", exchange.getRequestMethod())
                .put("path", path);
        int status = exchange.getResponseCode();
        if (status > 0) line.put("status", status);
        else line.putNull("status"); // the client left before an answer
        line.put("duration_ms", durationMs);
        if (exchange.getAttribute(Principal.ATTRIBUTE) instanceof Principal p) line.put("subject", p.subject());
        else line.putNull("subject");
        line.put("run_id", runId(exchange, path));
        line.put("bytes", bytes);
        line.put("client", Client.of(exchange).address());
        return line;
    }

    /** The run a request was about: the one it started (its headers say), else the one its path names. */
    private static String runId(HttpExchange exchange, String path) {
        String started = exchange.getResponseHeaders().getFirst("X-Run-Id");
        if (started != null) return started;
        String location = exchange.getResponseHeaders().getFirst("Location");
        Matcher m = RUN_PATH.matcher(location != null ? location : path);
        return m.find() ? m.group(1) : null;
    }

    /** The line for a run that has ended; nothing with {@code WEFT_LOG=off}. */
    public void runEnded(RunEnded run) {
        if (mode == Settings.LogMode.OFF) return;
        ObjectNode line = JSON.createObjectNode()
                .put("type", "run")
                .put("time", Instant.ofEpochMilli(System.currentTimeMillis()).toString())
                .put("run_id", run.runId())
                .put("subject", run.subject())
                .put("status", run.status())
                .put("workflow", run.workflow());
        var providers = line.putArray("providers");
        run.providers().forEach(providers::add);
        line.put("input_tokens", run.inputTokens())
                .put("output_tokens", run.outputTokens())
                .put("estimated", run.estimated());
        if (run.timeToFirstTokenMs() == null) line.putNull("ttft_ms");
        else line.put("ttft_ms", run.timeToFirstTokenMs());
        line.put("duration_ms", run.durationMs());
        write(line);
    }

    private void write(ObjectNode line) {
        try {
            out.accept(JSON.writeValueAsString(line)); // Jackson escapes line breaks: one entry is one line
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", impossible);
        }
    }

    @Override
    public String description() {
        return "access log";
    }

    /** The response body, counted. Its writers take turns (the SSE writer serialises them). */
    private static final class Counting extends OutputStream {
        private final OutputStream body;
        private volatile long count;

        Counting(OutputStream body) {
            this.body = body;
        }

        long count() {
            return count;
        }

        @Override
        public void write(int b) throws IOException {
            body.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            body.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            body.flush();
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }
}
