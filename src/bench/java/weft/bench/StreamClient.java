package weft.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import weft.bench.StreamResult.Outcome;
import weft.sse.SseEvent;
import weft.sse.SseParser;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One benchmark stream: a plain socket, one {@code POST /v1/runs} (a chat run, or a research
 * workflow run; see {@link Ask}), the chunked SSE answer read to its {@code done} event.
 * Or, on a {@link Route} that follows, a background run started with one {@code POST} and its
 * events read with {@code GET /v1/runs/{id}/events}, perhaps from another instance.
 * Meant to run on its own virtual thread.
 *
 * <p>Every event's {@code seq} is checked: 1, 2, 3 … without a gap or a repeat, to the
 * {@code done}. Every delta's {@code ts} (when it entered the run's log, epoch ms) is compared
 * with the machine's clock when it is read, for the whole path from the log to this client.
 *
 * <p>A plain socket rather than {@code java.net.http.HttpClient}: the client shares the two
 * cores with the server, and HttpClient's asynchronous body pipeline costs several thread
 * hand-offs per chunk (see the field notes). Here a delta costs one read and one parse, and
 * its arrival time is taken right after the read returns, before any parsing.
 */
final class StreamClient {
    private static final int CONNECT_TIMEOUT_MS = 30_000;
    // Weft sends a ": ping" every 15 s on an idle stream, so a minute of silence is a dead stream.
    private static final int READ_TIMEOUT_MS = 60_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Every stream asks the same question, so Weft's demo model gives every stream the same
     * answer (it is seeded by the request's content) and the baseline, which asks its copy of the
     * model the same question, streams the same number of tokens.
     */
    static final String INPUT = "How do server-sent events work?";

    /**
     * What a stream expects of the server.
     *
     * @param ttftNanos   the model's time to first token
     * @param stallNanos  a gap longer than this is a stall
     * @param deltas      about how many deltas to expect (to size the gap array)
     * @param limitNanos  a stream still open after this long is given up as failed, so a server
     *                    that never sends {@code done} cannot hang the benchmark
     */
    record Expect(long ttftNanos, long stallNanos, int deltas, long limitNanos) {}

    /**
     * Where a stream goes: {@code runs} starts the run; when {@code events} is null the
     * {@code POST} streams it, else the run starts in the background and its events are read
     * from {@code events} (the same server or another instance on the same Redis).
     */
    record Route(InetSocketAddress runs, InetSocketAddress events) {
        static Route streamed(InetSocketAddress server) {
            return new Route(server, null);
        }

        boolean followed() {
            return events != null;
        }
    }

    private final Route route;
    private final Ask ask;
    private final byte[] request;
    private final Expect expect;
    private final OpenWindow window;
    private final Runnable onOpen;

    /** {@code onOpen} runs once the stream has its 200 response headers. */
    StreamClient(Route route, Ask ask, Expect expect, OpenWindow window, Runnable onOpen) {
        this.route = route;
        this.ask = ask;
        this.expect = expect;
        this.window = window;
        this.onOpen = onOpen;
        byte[] body = (route.followed() ? ask.inBackground() : ask).body().getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST /v1/runs HTTP/1.1\r\n"
                + "Host: " + route.runs().getHostString() + ":" + route.runs().getPort() + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Accept: " + (route.followed() ? "application/json" : "text/event-stream") + "\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "Connection: close\r\n" // one stream per connection: let the server close it after done
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
        this.request = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, request, head.length, body.length);
    }

    StreamResult run() {
        var rec = new Recorder(System.nanoTime());
        try {
            if (!route.followed()) return read(rec, route.runs(), request);
            String runId;
            try (Socket socket = connect(route.runs())) {
                socket.getOutputStream().write(request);
                InputStream in = new BufferedInputStream(socket.getInputStream(), 4096);
                String status = HttpLines.readLine(in);
                if (status == null) return rec.result(Outcome.IO_ERROR, "connection closed before the background run's answer");
                HttpLines.Head head = HttpLines.readHead(status, in);
                byte[] answer = errorBody(head, in);
                if (head.status() != 202) return rec.result(Outcome.HTTP_STATUS, "background POST: " + head.status() + " "
                        + HttpLines.excerpt(answer));
                runId = JSON.readTree(answer).path("run_id").asText("");
                if (runId.isEmpty()) return rec.result(Outcome.HTTP_STATUS, "202 without a run_id: " + HttpLines.excerpt(answer));
            }
            InetSocketAddress events = route.events();
            byte[] follow = ("GET /v1/runs/" + runId + "/events HTTP/1.1\r\n"
                    + "Host: " + events.getHostString() + ":" + events.getPort() + "\r\n"
                    + "Accept: text/event-stream\r\n"
                    + "Connection: close\r\n"
                    + "\r\n").getBytes(StandardCharsets.US_ASCII);
            return read(rec, events, follow);
        } catch (IOException | RuntimeException e) {
            Outcome outcome = rec.ttfb < 0 ? Outcome.IO_ERROR : Outcome.NO_DONE;
            return rec.result(outcome, e.getClass().getSimpleName() + ": " + e.getMessage()
                    + " (after " + rec.deltas + " deltas)");
        }
    }

    private static Socket connect(InetSocketAddress server) throws IOException {
        var socket = new Socket();
        try {
            socket.setTcpNoDelay(true); // the request is one write, but say so: Nagle has no place here
            socket.connect(server, CONNECT_TIMEOUT_MS);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Sends {@code request} (head and body in one segment) and reads the event stream it answers to {@code done}. */
    private StreamResult read(Recorder rec, InetSocketAddress server, byte[] request) throws IOException {
        try (Socket socket = connect(server)) {
            socket.getOutputStream().write(request);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 4096);

            int first = in.read();
            if (first < 0) return rec.result(Outcome.IO_ERROR, "connection closed before any response");
            rec.ttfb = System.nanoTime() - rec.start;
            HttpLines.Head head = HttpLines.readHead((char) first + HttpLines.readLine(in), in);
            if (head.status() != 200) {
                return rec.result(Outcome.HTTP_STATUS, head.status() + " " + HttpLines.excerpt(errorBody(head, in)));
            }
            rec.openedEpochMillis = rec.epochMillis(System.nanoTime());
            onOpen.run();
            if (!"chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
                return rec.result(Outcome.NO_DONE, "200 without a chunked body");
            }

            var body = new ChunkedDecoder(in);
            var parser = new SseParser(rec);
            byte[] buffer = new byte[4096];
            while (rec.done < 0) {
                int n = body.read(buffer, 0, buffer.length);
                if (n < 0) break;
                rec.arrival = System.nanoTime(); // "arrived" = the read returned, before parsing
                parser.feed(buffer, 0, n);
                if (rec.arrival - rec.start > expect.limitNanos()) {
                    return rec.result(Outcome.NO_DONE, "no done after " + (rec.arrival - rec.start) / 1_000_000_000
                            + " s (" + rec.deltas + " deltas); given up");
                }
            }
            if (rec.done < 0) return rec.result(Outcome.NO_DONE, "the body ended after " + rec.deltas + " deltas");
            if (!"completed".equals(rec.doneStatus)) return rec.result(Outcome.NOT_COMPLETED, "done status " + rec.doneStatus);
            return rec.result(Outcome.COMPLETED, "");
        }
    }

    private static byte[] errorBody(HttpLines.Head head, InputStream in) throws IOException {
        String length = head.header("content-length");
        if (length != null) return in.readNBytes((int) Math.min(Long.parseLong(length.strip()), 4096));
        if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) return new ChunkedDecoder(in).readNBytes(4096);
        return new byte[0];
    }

    /** Hears the stream's events and keeps its timings. One per stream, used by its thread only. */
    private final class Recorder implements SseParser.Listener {
        final long start;
        final long startEpochMillis = System.currentTimeMillis();
        /**
         * The wall clock at {@code start} in ns (microsecond steps), taken once per stream: a
         * delta's arrival on the wall clock is this plus its {@code nanoTime} since the start,
         * without a clock read per delta and without NTP's slewing over a whole level.
         */
        final long startEpochNanos;
        long openedEpochMillis = Long.MAX_VALUE; // when the 200 headers came; deltas logged before are replayed
        long lastSeq; // the seq of the last numbered event; the next must be lastSeq + 1
        long lost;
        long duplicated;
        // From a delta's ts (epoch ms, when it entered the run's log) to its arrival, every live delta.
        long[] appendToRead = new long[Math.max(16, expect.deltas())];
        int appendToReadCount;
        long[] windowAppendToRead = new long[16]; // those that arrived while all streams were open
        int windowAppendToReadCount;
        long runStartedTs = -1; // the server's "ts" (epoch ms) of run_started and of the first delta
        long firstDeltaTs = -1;
        long ttfb = -1;
        long arrival;
        long firstDelta = -1;
        long lastDelta;
        long[] gaps = new long[Math.max(16, expect.deltas())];
        int gapCount;
        long[] windowGaps = new long[16]; // the gaps that ended while all streams were open
        int windowGapCount;
        // Every delta's arrival, kept only for a tagged stream: matched later with the upstream's write times.
        long[] arrivals = ask.tag() == null ? null : new long[Math.max(16, expect.deltas())];
        int deltas;
        int events;
        long done = -1; // when done arrived, from the start
        int stalls;
        String doneStatus;

        Recorder(long start) {
            this.start = start;
            java.time.Instant now = java.time.Instant.now();
            this.startEpochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - (System.nanoTime() - start);
        }

        long epochMillis(long nanoTime) {
            return (startEpochNanos + nanoTime - start) / 1_000_000;
        }

        @Override
        public void onEvent(SseEvent event) {
            events++;
            window.event();
            numbered(event.data());
            switch (event.type()) {
                case "delta" -> delta(event);
                case "run_started" -> runStartedTs = ts(event.data());
                case "done" -> {
                    done = arrival - start;
                    doneStatus = status(event.data());
                }
                default -> { } // agent_started, agent_progress, agent_completed …: counted, not timed
            }
        }

        /**
         * Checks the event's {@code seq} against the last one: a jump is lost events, a step back
         * a duplicate. A frame without a seq (an error about the stream itself, not in the log)
         * is not numbered; it ends the stream without done, which is counted as such.
         */
        private void numbered(String data) {
            long seq = field(data, "\"seq\":");
            if (seq < 0) return;
            if (seq <= lastSeq) {
                duplicated++;
                return;
            }
            lost += seq - lastSeq - 1;
            lastSeq = seq;
        }

        private void delta(SseEvent event) {
            window.delta();
            long ts = field(event.data(), "\"ts\":");
            // A delta logged before the stream opened was replayed: its age is the follower's lateness, not a latency.
            if (ts >= openedEpochMillis) {
                if (appendToReadCount == appendToRead.length) appendToRead = Arrays.copyOf(appendToRead, appendToRead.length * 2);
                long latency = startEpochNanos + (arrival - start) - ts * 1_000_000;
                appendToRead[appendToReadCount++] = latency;
                if (window.isOpen()) {
                    if (windowAppendToReadCount == windowAppendToRead.length) {
                        windowAppendToRead = Arrays.copyOf(windowAppendToRead, windowAppendToRead.length * 2);
                    }
                    windowAppendToRead[windowAppendToReadCount++] = latency;
                }
            }
            if (arrivals != null) {
                if (deltas == arrivals.length) arrivals = Arrays.copyOf(arrivals, arrivals.length * 2);
                arrivals[deltas] = arrival;
            }
            deltas++;
            if (firstDelta < 0) {
                firstDelta = arrival - start;
                firstDeltaTs = ts(event.data());
                // The model itself waits ttft before its first token; only the wait beyond that can stall.
                if (firstDelta - expect.ttftNanos() > expect.stallNanos()) stall("first delta after " + firstDelta / 1_000_000 + " ms");
            } else {
                long gap = arrival - lastDelta;
                if (gapCount == gaps.length) gaps = Arrays.copyOf(gaps, gaps.length * 2);
                gaps[gapCount++] = gap;
                if (window.isOpen()) {
                    if (windowGapCount == windowGaps.length) windowGaps = Arrays.copyOf(windowGaps, windowGaps.length * 2);
                    windowGaps[windowGapCount++] = gap;
                }
                if (gap > expect.stallNanos()) stall("gap of " + gap / 1_000_000 + " ms after delta " + deltas);
            }
            lastDelta = arrival;
        }

        /**
         * A whole-number field of Weft's event JSON ({@code "seq":12}) without parsing the
         * document (the client shares the cores with the server); the first occurrence, which
         * is the field itself, since seq and ts come before any text. -1 if it is not there.
         */
        private static long field(String data, String name) {
            int at = data.indexOf(name);
            if (at < 0) return -1;
            long n = 0;
            int i = at + name.length(), digits = 0;
            for (; i < data.length() && data.charAt(i) >= '0' && data.charAt(i) <= '9'; i++, digits++) n = n * 10 + (data.charAt(i) - '0');
            return digits == 0 ? -1 : n;
        }

        private void stall(String what) {
            stalls++;
            window.trouble("stall: " + what);
        }

        /** The event's {@code ts}: when the server appended it to the run's log, in epoch milliseconds. */
        private long ts(String data) {
            try {
                return JSON.readTree(data).path("ts").asLong(-1);
            } catch (IOException e) {
                return -1;
            }
        }

        private String status(String data) {
            try {
                return JSON.readTree(data).path("status").asText("(none)");
            } catch (IOException e) {
                return "(unparsable done: " + HttpLines.excerpt(data.getBytes(StandardCharsets.UTF_8)) + ")";
            }
        }

        StreamResult result(Outcome outcome, String detail) {
            if (outcome != Outcome.COMPLETED) window.trouble(outcome.meaning + ": " + detail);
            var split = runStartedTs < 0 || firstDeltaTs < 0 ? null : new StreamResult.FirstDeltaSplit(
                    runStartedTs - startEpochMillis, firstDeltaTs - runStartedTs,
                    startEpochMillis + firstDelta / 1_000_000 - firstDeltaTs);
            return new StreamResult(outcome, detail, ttfb, firstDelta, done, gaps, gapCount, windowGaps, windowGapCount,
                    deltas, events, stalls, split, ask.tag(), arrivals == null ? null : Arrays.copyOf(arrivals, deltas),
                    appendToRead, appendToReadCount, windowAppendToRead, windowAppendToReadCount, lost, duplicated);
        }
    }
}
