package weft.edge;

import org.junit.jupiter.api.Test;
import weft.testing.Await;
import weft.testing.TestServer;
import weft.testing.WeftProcess;

import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Running out of file descriptors: with {@code ulimit -n 300} Weft derives a cap of
 * (300 - 64) / 2 = 118 connections served at once and holds at most 134 open; more stalled
 * connections than the file limit are refused (503 at the edge, then closed unanswered by the
 * JDK), and once they are gone Weft serves normally, with no class left unloadable.
 */
class ConnectionCapTest {
    private static final int FILE_LIMIT = 300;
    private static final int SERVED = (FILE_LIMIT - 64) / 2;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** A socket and what the server sent on it before closing it (null while it says nothing). */
    private static final class Client {
        final Socket socket;
        volatile String answer;

        Client(WeftProcess weft, String request) throws IOException {
            socket = new Socket("127.0.0.1", weft.port());
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            Thread.ofVirtual().start(() -> {
                // Up to the end of a JSON answer or of the connection: a 503 keeps the connection
                // open while the server drains a body that never comes.
                var seen = new StringBuilder();
                byte[] buffer = new byte[4096];
                try {
                    for (int n; !seen.toString().endsWith("}}") && (n = socket.getInputStream().read(buffer)) > 0; ) {
                        seen.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    }
                    answer = seen.toString();
                } catch (IOException e) {
                    if (!socket.isClosed()) answer = seen.toString(); // reset by the server
                }
            });
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static long answered(List<Client> clients) {
        return clients.stream().filter(c -> c.answer != null).count();
    }

    @Test
    void moreStalledConnectionsThanTheFileLimitAreRefusedAndWeftServesNormallyAfterwards() throws Exception {
        assumeFalse(TestServer.onRedis(), "the connection cap does not depend on the store");
        try (var weft = WeftProcess.start(Map.of("WEFT_REQUEST_TIMEOUT", "60s"), FILE_LIMIT)) {
            var clients = new ArrayList<Client>();
            try {
                // Requests whose body never comes: each holds a handler, as a slow upload would.
                var stalled = new ArrayList<Client>();
                for (int i = 0; i < SERVED + 12; i++) {
                    stalled.add(new Client(weft, "POST /v1/runs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 100\r\n\r\n{\"input\":"));
                }
                clients.addAll(stalled);
                Await.until("the 12 over the cap are answered", Duration.ofSeconds(30), () -> answered(stalled) >= 12);
                for (Client c : stalled) {
                    if (c.answer == null) continue;
                    assertTrue(c.answer.startsWith("HTTP/1.1 503 "), c.answer);
                    String head = c.answer.toLowerCase(java.util.Locale.ROOT);
                    assertTrue(head.contains("\r\nretry-after: 1\r\n") && head.contains("\r\nconnection: close\r\n"), c.answer);
                    assertTrue(c.answer.contains("\"overloaded\"") && c.answer.contains("(WEFT_MAX_CONNECTIONS)"), c.answer);
                    c.close();
                }
                assertEquals(12, answered(stalled), "exactly the connections over " + SERVED + " were refused");

                // Connections that send nothing, more than the file limit: beyond the JDK's cap they are closed at once.
                var idle = new ArrayList<Client>();
                for (int i = 0; i < FILE_LIMIT; i++) idle.add(new Client(weft, ""));
                clients.addAll(idle);
                Await.until("the connections over the cap are closed", Duration.ofSeconds(30),
                        () -> answered(idle) >= FILE_LIMIT - 16);
                assertTrue(idle.stream().allMatch(c -> c.answer == null || c.answer.isEmpty()), "closed without a word");
            } finally {
                clients.forEach(Client::close);
            }

            Await.until("Weft serves /healthz again", Duration.ofSeconds(30), () -> {
                try {
                    return get(weft, "/healthz").statusCode() == 200;
                } catch (IOException refused) {
                    return false;
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            var run = HTTP.send(HttpRequest.newBuilder(weft.uri("/v1/runs")).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hi\",\"stream\":false}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, run.statusCode(), run.body());
            assertEquals("completed", TestServer.json(run).get("status").asText());
            assertEquals(404, get(weft, "/v1/runs/r_missing").statusCode());

            String log = weft.closeAndReadLog();
            assertFalse(log.contains("NoClassDefFoundError"), log);
            assertFalse(log.contains("Too many open files"), log);
        }
    }

    @Test
    void aConfiguredCapThatDoesNotFitTheFileLimitRefusesToStart() {
        assumeFalse(TestServer.onRedis(), "the connection cap does not depend on the store");
        var refused = assertThrows(IllegalStateException.class,
                () -> WeftProcess.start(Map.of("WEFT_MAX_CONNECTIONS", "1000"), FILE_LIMIT).close());
        assertTrue(refused.getMessage().contains("WEFT_MAX_CONNECTIONS=1000 does not fit the file limit of 300"), refused.getMessage());
        assertTrue(refused.getMessage().contains("at most 220"), refused.getMessage());
    }

    private static HttpResponse<String> get(WeftProcess weft, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(weft.uri(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
