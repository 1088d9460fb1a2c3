package weft.edge;

import org.junit.jupiter.api.Test;
import weft.testing.TestServer;
import weft.testing.WeftProcess;

import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Routine client errors write no log line, so no client can flood the log: HEADs, 404s, 405s,
 * bodies that are not JSON, too deep or too large, malformed requests the JDK answers itself.
 * The whole output of a child Weft after its banner is checked.
 */
class QuietLogTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static int send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static HttpRequest.Builder post(WeftProcess weft, String path, String body) {
        return HttpRequest.newBuilder(weft.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static String tooManyHeaders() {
        var out = new StringBuilder("GET /healthz HTTP/1.1\r\nHost: localhost\r\n");
        for (int i = 0; i < 30; i++) out.append("X-H").append(i).append(": v\r\n");
        return out.append("\r\n").toString();
    }

    @Test
    void routineClientErrorsWriteNoLogLine() throws Exception {
        assumeFalse(TestServer.onRedis(), "what is logged does not depend on the store");
        // The access log has a line for each request by design (WEFT_LOG); this is about everything else.
        var weft = WeftProcess.start(Map.of("WEFT_MAX_BODY_BYTES", "1000", "WEFT_MAX_HEADERS", "20", "WEFT_LOG", "off"));
        try {
            for (String path : new String[]{"/healthz", "/metrics", "/v1/workflows", "/v1/runs/r_missing",
                    "/v1/runs/r_missing/events", "/v1/sessions/s_missing", "/nowhere"}) {
                send(HttpRequest.newBuilder(weft.uri(path)).HEAD());
                send(HttpRequest.newBuilder(weft.uri(path)));
            }
            assertEquals(405, send(HttpRequest.newBuilder(weft.uri("/v1/runs")).DELETE()));
            assertEquals(405, send(HttpRequest.newBuilder(weft.uri("/v1/runs")).HEAD()));
            assertEquals(400, send(post(weft, "/v1/runs", "{not json")));
            assertEquals(400, send(post(weft, "/v1/runs", "[".repeat(900))));
            assertEquals(400, send(post(weft, "/v1/runs", "{\"input\":\"hi\",\"max_tokens\":" + "7".repeat(500) + "}")));
            assertEquals(400, send(post(weft, "/v1/runs", "{\"input\":\"hi\",\"nope\":1}")));
            assertEquals(413, send(post(weft, "/v1/runs", "{\"input\":\"" + "x".repeat(5000) + "\"}")));
            assertEquals(415, send(HttpRequest.newBuilder(weft.uri("/v1/runs")).header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("hi"))));
            for (String raw : new String[]{"NONSENSE\r\n\r\n", tooManyHeaders(),
                    "GET /healthz HTTP/1.1\r\nContent-Length: nope\r\n\r\n"}) {
                try (var socket = new Socket("127.0.0.1", weft.port())) {
                    socket.setSoTimeout(10_000);
                    socket.getOutputStream().write(raw.getBytes(StandardCharsets.US_ASCII));
                    socket.getInputStream().readAllBytes();
                } catch (java.net.SocketException reset) {
                    // as the JDK pleases
                }
            }
        } finally {
            String log = weft.closeAndReadLog().lines()
                    .filter(line -> !line.startsWith("weft: no authentication configured")) // the start-up notice
                    .collect(java.util.stream.Collectors.joining("\n"));
            assertEquals("", log);
        }
    }
}
