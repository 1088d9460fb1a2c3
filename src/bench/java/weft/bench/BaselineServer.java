package weft.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import weft.providers.ChatMessage;
import weft.providers.Completion;
import weft.providers.PartSink;
import weft.providers.DemoProvider;
import weft.providers.ModelRequest;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * The least a server can do to stream the same answer: the benchmark's baseline, run as a
 * child process exactly like Weft (same JVM flags, same JDK HttpServer with a backlog of 4096,
 * a virtual thread per exchange).
 *
 * <p>{@code POST /v1/runs} is answered with the frames Weft sends for a demo run —
 * {@code retry}, {@code run_started}, {@code agent_started}, one {@code delta} per token,
 * {@code agent_completed}, {@code done} — with the demo's very text, rendered once at start-up.
 * While streaming there is no JSON parsing or rendering, no event log, no run thread, no
 * hand-off between threads: the handler's own thread calls the model and writes the next
 * precomputed frame the moment a token comes out. The model is Weft's own {@link DemoProvider},
 * so time to first token, pacing and answer are the demo's by construction, whatever the demo
 * does; what Weft costs beyond this server is Weft's machinery.
 *
 * <pre>java … weft.bench.BaselineServer --port 8081 --ttft-ms 300 --tps 60 --max-tokens 1200</pre>
 */
public final class BaselineServer {
    private static final String RUN_ID = "r_baseline0000000"; // as long as Weft's: r_ and 16 base64 characters
    private static final String SESSION_ID = "s_baseline0000000";
    private static final byte[] MAX_TOKENS = "\"max_tokens\":".getBytes(StandardCharsets.US_ASCII);

    private final DemoProvider model;
    private final int defaultTokens;
    private final long ts = System.currentTimeMillis(); // one timestamp: the frames are the same bytes for every client
    private final byte[] opening; // retry, run_started, agent_started
    private final Map<Integer, Frames> byMaxTokens = new ConcurrentHashMap<>();

    /** The frames of one answer: a delta per token, then agent_completed and done together. */
    private record Frames(byte[][] deltas, byte[] closing) {}

    BaselineServer(Duration ttft, double tokensPerSecond, int maxTokens) {
        this.model = new DemoProvider(ttft, tokensPerSecond);
        this.defaultTokens = maxTokens;
        this.opening = concat(
                "retry: 2000\n\n",
                frame(1, "run_started", "\"workflow\":\"chat\",\"session_id\":\"" + SESSION_ID + "\""),
                frame(2, "agent_started", "\"agent\":\"assistant\""));
        frames(maxTokens);
    }

    /** What Weft's chat run asks the demo model: the user's message, no system prompt, no documents. */
    private static ModelRequest request(int maxTokens) {
        return new ModelRequest("weft-demo-1", null, List.of(ChatMessage.user(StreamClient.INPUT)), List.of(), maxTokens);
    }

    /**
     * Renders an answer's frames once per {@code max_tokens}: the model is asked, with no delay,
     * for the answer it will give every client (it is deterministic), and each piece becomes
     * the delta frame Weft would send. JSON is written here, at start-up, never while streaming.
     */
    private Frames frames(int maxTokens) {
        return byMaxTokens.computeIfAbsent(maxTokens, m -> {
            var pieces = new ArrayList<String>();
            Completion completion;
            try {
                completion = new DemoProvider(Duration.ZERO, 0).complete(request(m), PartSink.text(pieces::add));
            } catch (InterruptedException | IOException e) {
                throw new IllegalStateException("an instant demo answer does not wait", e);
            }
            byte[][] deltas = new byte[pieces.size()][];
            for (int i = 0; i < deltas.length; i++) {
                deltas[i] = concat(frame(3 + i, "delta", "\"agent\":\"assistant\",\"text\":" + quote(pieces.get(i))));
            }
            String text = quote(String.join("", pieces));
            String usage = "\"usage\":{\"input_tokens\":" + completion.usage().inputTokens()
                    + ",\"output_tokens\":" + completion.usage().outputTokens() + "}";
            byte[] closing = concat(
                    frame(3 + deltas.length, "agent_completed", "\"agent\":\"assistant\",\"text\":" + text + "," + usage),
                    frame(4 + deltas.length, "done", "\"status\":\"completed\",\"output\":" + text + "," + usage));
            return new Frames(deltas, closing);
        });
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> flags = BenchOptions.flags(args);
        int port = Integer.parseInt(flags.getOrDefault("port", "8081"));
        var baseline = new BaselineServer(Duration.ofMillis(Long.parseLong(flags.getOrDefault("ttft-ms", "300"))),
                Double.parseDouble(flags.getOrDefault("tps", "60")),
                Integer.parseInt(flags.getOrDefault("max-tokens", "300")));
        var server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 4096); // Weft's backlog
        server.createContext("/", baseline::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        System.out.println("baseline listening on http://127.0.0.1:" + port);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readNBytes(64 * 1024);
            if (exchange.getRequestMethod().equals("POST") && path.equals("/v1/runs")) {
                stream(exchange, maxTokens(body));
            } else if (path.equals("/healthz")) {
                byte[] ok = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, ok.length);
                exchange.getResponseBody().write(ok);
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
        }
    }

    private void stream(HttpExchange exchange, int maxTokens) throws IOException {
        Frames frames = frames(maxTokens);
        var h = exchange.getResponseHeaders();
        h.set("Content-Type", "text/event-stream; charset=utf-8");
        h.set("Cache-Control", "no-cache");
        h.set("X-Accel-Buffering", "no");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        send(out, opening);
        var next = new int[1];
        try {
            // The real, paced model call: it writes the same answer again, sleeping until each token is due.
            model.complete(request(maxTokens), PartSink.text(piece -> {
                try {
                    send(out, frames.deltas()[Math.min(next[0]++, frames.deltas().length - 1)]);
                } catch (IOException clientGone) {
                    throw new UncheckedIOException(clientGone);
                }
            }));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (UncheckedIOException clientGone) {
            return;
        }
        send(out, frames.closing());
    }

    /** Write and flush, as Weft's SseWriter does for every frame. */
    private static void send(OutputStream out, byte[] frame) throws IOException {
        out.write(frame);
        out.flush();
    }

    /**
     * The {@code max_tokens} of a request, found by a byte scan rather than a JSON parser (the
     * benchmark client always writes {@code "max_tokens":N}); the configured count without one.
     */
    private int maxTokens(byte[] body) {
        outer:
        for (int i = 0; i + MAX_TOKENS.length < body.length; i++) {
            for (int j = 0; j < MAX_TOKENS.length; j++) {
                if (body[i + j] != MAX_TOKENS[j]) continue outer;
            }
            int n = 0;
            for (int k = i + MAX_TOKENS.length; k < body.length && body[k] >= '0' && body[k] <= '9'; k++) {
                n = n * 10 + (body[k] - '0');
            }
            return n > 0 ? n : defaultTokens;
        }
        return defaultTokens;
    }

    /** A JSON string literal, escaped by Jackson (at start-up only). */
    private static String quote(String text) {
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + '"';
    }

    /** Weft's frame layout: id, event, one line of JSON data with the common fields first. */
    private String frame(long seq, String type, String fields) {
        return "id: " + seq + "\nevent: " + type + "\ndata: {\"run_id\":\"" + RUN_ID + "\",\"seq\":" + seq
                + ",\"ts\":" + ts + ",\"type\":\"" + type + "\"," + fields + "}\n\n";
    }

    private static byte[] concat(String... parts) {
        return String.join("", parts).getBytes(StandardCharsets.UTF_8);
    }
}
