package weft.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.params.provider.Arguments;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;

/**
 * A stand-in for OpenAI, Anthropic and Gemini in tests: a JDK HttpServer that answers each
 * request with the next scripted {@link Reply}, usually a transcript from
 * {@code test-fixtures/} replayed in the provider's exact wire format, cut into chunks at
 * awkward places. It records every request so tests can assert what Weft sent, and notices
 * when Weft closes the connection.
 */
public final class MockProvider implements AutoCloseable {
    /** Where transcripts live, relative to the project directory. */
    public static final Path FIXTURES = Path.of("test-fixtures");

    private final HttpServer server;
    private final BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private volatile boolean stopped;

    /** A request as the mock received it. */
    public record Recorded(String method, String path, String query, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            for (var e : headers.entrySet()) if (e.getKey().equalsIgnoreCase(name)) return e.getValue().getFirst();
            return null;
        }

        public JsonNode json() {
            try {
                return TestServer.JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("request body is not JSON: " + body, e);
            }
        }
    }

    /** How a replayed body is cut into writes, each flushed on its own. */
    public enum Chunking {
        /** The whole body in one write. */
        WHOLE,
        /** One write per SSE event (split after each blank line, LF or CRLF). */
        PER_EVENT,
        /** One write per byte: every split point at once, multi-byte characters and CRLF included. */
        PER_BYTE
    }

    /**
     * One scripted answer. Build with {@link #fixture}, {@link #sse} or {@link #status}, then
     * adjust. {@link #closed()} completes with {@link System#nanoTime()} when the mock notices
     * that the client has gone (a write failed).
     */
    public static final class Reply {
        int status = 200;
        final Map<String, String> headers = new LinkedHashMap<>();
        byte[] body = new byte[0];
        Chunking chunking = Chunking.PER_EVENT;
        int[] splitAt = new int[0];
        Duration pause = Duration.ZERO;
        int dropAfter = -1;
        int stallAfter = -1;
        Duration trickle;
        final CompletableFuture<Long> closed = new CompletableFuture<>();
        final CompletableFuture<Long> served = new CompletableFuture<>();

        /** Replays {@code test-fixtures/<name>} as a 200 {@code text/event-stream}. */
        public static Reply fixture(String name) {
            try {
                return sse(Files.readAllBytes(FIXTURES.resolve(name)));
            } catch (IOException e) {
                throw new UncheckedIOException("no fixture " + FIXTURES.resolve(name).toAbsolutePath(), e);
            }
        }

        public static Reply sse(byte[] body) {
            var reply = new Reply();
            reply.headers.put("Content-Type", "text/event-stream");
            reply.body = body;
            return reply;
        }

        public static Reply sse(String body) {
            return sse(body.getBytes(StandardCharsets.UTF_8));
        }

        /** A non-streaming answer, such as {@code status(429, json).header("Retry-After", "1")}. */
        public static Reply status(int status, String jsonBody) {
            var reply = new Reply();
            reply.status = status;
            reply.headers.put("Content-Type", "application/json");
            reply.body = jsonBody.getBytes(StandardCharsets.UTF_8);
            reply.chunking = Chunking.WHOLE;
            return reply;
        }

        public Reply header(String name, String value) { headers.put(name, value); return this; }

        public Reply chunking(Chunking chunking) { this.chunking = chunking; return this; }

        /** Cuts the body at exactly these byte offsets (overrides the chunking). */
        public Reply splitAt(int... offsets) { this.splitAt = offsets.clone(); return this; }

        /** Waits this long before each write. */
        public Reply pause(Duration pause) { this.pause = pause; return this; }

        /** Closes the connection abruptly after this many body bytes. */
        public Reply dropAfter(int bytes) { this.dropAfter = bytes; return this; }

        /** Sends this many body bytes, then nothing more, holding the connection open until the client leaves. */
        public Reply stallAfter(int bytes) { this.stallAfter = bytes; return this; }

        /**
         * After the body, keeps the connection open writing an SSE comment every {@code every},
         * so that the moment the client closes it is noticed promptly.
         */
        public Reply thenTrickle(Duration every) { this.trickle = every; return this; }

        /** Completes when the mock notices the client closed the connection. */
        public CompletableFuture<Long> closed() { return closed; }

        /** Completes when the mock has begun answering this reply. */
        public CompletableFuture<Long> served() { return served; }
    }

    /** Each fixture with each {@link Chunking}: the arguments of a parameterized test that replays every fixture every way. */
    public static Stream<Arguments> withEveryChunking(String... fixtures) {
        return Stream.of(fixtures).flatMap(f -> Stream.of(Chunking.values()).map(c -> Arguments.of(f, c)));
    }

    /** The first {@code n} events of an SSE transcript (up to and including the n-th blank line), as text. */
    public static String firstEvents(String wire, int n) {
        int at = 0;
        for (int i = 0; i < n; i++) at = wire.indexOf("\n\n", at) + 2;
        return wire.substring(0, at);
    }

    /** The byte offset just after the n-th event's blank line: where to cut, drop or stall a reply. */
    public static int endOfEvent(String wire, int n) {
        return firstEvents(wire, n).getBytes(StandardCharsets.UTF_8).length;
    }

    private MockProvider(HttpServer server) {
        this.server = server;
    }

    public static MockProvider start() {
        try {
            var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
            var mock = new MockProvider(server);
            server.createContext("/", mock::handle);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.start();
            return mock;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port>} */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public Reply enqueue(Reply reply) {
        replies.add(reply);
        return reply;
    }

    public List<Recorded> requests() {
        return requests;
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        requests.add(new Recorded(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestURI().getRawQuery(), Map.copyOf(exchange.getRequestHeaders()),
                new String(body, StandardCharsets.UTF_8)));
        Reply reply = replies.poll();
        if (reply == null) {
            byte[] none = "{\"error\":{\"message\":\"the mock has no reply scripted\"}}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(500, none.length);
            exchange.getResponseBody().write(none);
            exchange.close();
            return;
        }
        reply.served.complete(System.nanoTime());
        try {
            answer(exchange, reply);
        } catch (IOException | InterruptedException clientGone) {
            reply.closed.complete(System.nanoTime());
        }
        // A dropped connection must not be closed politely: closing the exchange would end the
        // chunked body properly. Throwing out of the handler makes the JDK server cut the socket.
        if (reply.dropAfter >= 0) throw new IllegalStateException("connection dropped on purpose");
        exchange.close();
    }

    private void answer(HttpExchange exchange, Reply reply) throws IOException, InterruptedException {
        reply.headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(reply.status, reply.status == 200 ? 0 : reply.body.length);
        OutputStream out = exchange.getResponseBody();
        int limit = reply.body.length;
        if (reply.dropAfter >= 0) limit = Math.min(limit, reply.dropAfter);
        if (reply.stallAfter >= 0) limit = Math.min(limit, reply.stallAfter);
        int from = 0;
        for (int to : cuts(reply, limit)) {
            if (!reply.pause.isZero()) Thread.sleep(reply.pause);
            out.write(reply.body, from, to - from);
            out.flush();
            from = to;
        }
        if (reply.trickle != null) {
            byte[] comment = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);
            while (!stopped) { // until the client goes away: a write then fails
                Thread.sleep(reply.trickle);
                out.write(comment);
                out.flush();
            }
        } else if (reply.stallAfter >= 0) {
            while (!stopped) Thread.sleep(20); // silent, until the mock is closed
        }
    }

    /** The offsets at which to cut the first {@code limit} bytes of the body. */
    private static List<Integer> cuts(Reply reply, int limit) {
        var cuts = new ArrayList<Integer>();
        if (reply.splitAt.length > 0) {
            for (int at : reply.splitAt) if (at > 0 && at < limit) cuts.add(at);
        } else if (reply.chunking == Chunking.PER_BYTE) {
            for (int i = 1; i < limit; i++) cuts.add(i);
        } else if (reply.chunking == Chunking.PER_EVENT) {
            byte[] b = reply.body;
            for (int i = 1; i < limit; i++) {
                boolean lf = b[i] == '\n' && b[i - 1] == '\n';
                boolean crlf = i >= 3 && b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r';
                if (lf || crlf) cuts.add(i + 1);
            }
        }
        cuts.removeIf(at -> at >= limit);
        cuts.add(limit);
        return cuts;
    }

    @Override
    public void close() {
        stopped = true;
        server.stop(0);
    }
}
