package weft.edge;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.TestServer;
import weft.testing.WeftProcess;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Slowloris: a client that dribbles its headers or its body is cut off after
 * {@code WEFT_REQUEST_TIMEOUT}, starts no run, and the server serves others meanwhile; a
 * stream that lasts longer than the timeout is not cut. In a child JVM: the JDK reads the
 * timeout once per process.
 */
class SlowClientTest {
    private static WeftProcess weft;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws IOException {
        assumeFalse(TestServer.onRedis(), "the JDK server's limits do not depend on the store");
        weft = WeftProcess.start(Map.of("WEFT_REQUEST_TIMEOUT", "2s", "WEFT_DEMO_TTFT", "3s",
                "WEFT_DEMO_TOKENS_PER_SECOND", "0"));
    }

    @AfterAll
    static void stop() {
        if (weft != null) weft.close();
    }

    /** Sends {@code head}, then {@code dribble} a byte every 100 ms; returns the seconds until the server closed the connection. */
    private static double secondsUntilCutOff(String head, String dribble) throws Exception {
        try (var socket = new Socket("127.0.0.1", weft.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            var writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; ; i = (i + 1) % dribble.length()) {
                        out.write(dribble.charAt(i));
                        out.flush();
                        Thread.sleep(100); // the slowness is what is under test
                    }
                } catch (IOException | InterruptedException closed) {
                    // the server cut the connection
                }
            });
            InputStream in = socket.getInputStream();
            try {
                byte[] answer = in.readNBytes(1 << 16); // until the server closes: it sends nothing before
                assertEquals("", new String(answer, StandardCharsets.ISO_8859_1), "no answer, just the end of the connection");
            } catch (java.net.SocketException reset) {
                // closed with input unread: as good an end
            }
            writer.interrupt();
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static double runsStarted() throws Exception {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith("weft_runs_started_total ")) return Double.parseDouble(line.substring(24));
        }
        throw new AssertionError("no weft_runs_started_total");
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(weft.uri(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void dribbledHeadersAndBodiesAreCutOffAfterTheRequestTimeoutAndStartNoRun() throws Exception {
        double before = runsStarted();
        var cutOff = new ArrayList<Thread>();
        var seconds = java.util.Collections.synchronizedList(new ArrayList<Double>());
        for (int i = 0; i < 10; i++) {
            boolean headers = i % 2 == 0;
            cutOff.add(Thread.ofVirtual().start(() -> {
                try {
                    seconds.add(headers
                            ? secondsUntilCutOff("POST /v1/runs HTTP/1.1\r\nHost: localhost\r\n", "X-Slow: a\r\n")
                            : secondsUntilCutOff("POST /v1/runs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 100000\r\n\r\n{\"input\":\"", "aaaa"));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
        }
        // Meanwhile everyone else is served at once.
        for (int i = 0; i < 5; i++) assertEquals(200, get("/healthz").statusCode());
        for (Thread t : cutOff) t.join(Duration.ofSeconds(40));
        assertEquals(10, seconds.size(), "every dribbler was cut off: " + seconds);
        for (double s : seconds) {
            assertTrue(s >= 1.5 && s < 10, "cut off after about 2 s, not " + s + " s");
        }
        assertEquals(before, runsStarted(), "no run was started");
        assertEquals(200, get("/healthz").statusCode());
    }

    @Test
    void aStreamThatOutlastsTheRequestTimeoutIsNotCut() throws Exception {
        long start = System.nanoTime();
        HttpResponse<List<String>> response = HTTP.send(HttpRequest.newBuilder(weft.uri("/v1/runs"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hi\"}")).build(),
                info -> HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofLines(StandardCharsets.UTF_8),
                        lines -> lines.toList()));
        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains("event: done"), "the stream reached done: " + response.body());
        assertTrue((System.nanoTime() - start) / 1e9 > 2.5, "it lasted longer than WEFT_REQUEST_TIMEOUT");
    }
}
