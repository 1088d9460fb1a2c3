package weft.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.TestServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client still sending a body over {@code WEFT_MAX_BODY_BYTES} reads the 413 (the server
 * drains what is left instead of resetting the connection under it), over a raw socket with
 * {@code Content-Length} or chunked, and with {@code java.net.http.HttpClient}.
 */
class BodyLimitTest {
    private static final int LIMIT = 1 << 20;
    private static final int SENT = 3 << 20;
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WEFT_MAX_BODY_BYTES", Integer.toString(LIMIT)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static byte[] bigBody() {
        byte[] body = new byte[SENT];
        Arrays.fill(body, (byte) 'x');
        byte[] start = "{\"input\":\"".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(start, 0, body, 0, start.length);
        return body;
    }

    private static void assertTooLarge(int status, String body) {
        assertEquals(413, status, body);
        JsonNode error = TestServer.JSON.valueToTree(parse(body)).get("error");
        assertEquals("too_large", error.get("code").asText());
        assertTrue(error.get("message").asText().contains(LIMIT + " bytes (WEFT_MAX_BODY_BYTES)"), body);
    }

    private static JsonNode parse(String body) {
        try {
            return TestServer.JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    /** Writes the whole request, then reads the whole answer: a client that is not reading while it sends. */
    private static String exchange(String head, byte[] body, boolean chunked) throws IOException {
        try (var socket = new Socket("127.0.0.1", server.weft().port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            for (int at = 0; at < body.length; at += 64 * 1024) {
                int n = Math.min(64 * 1024, body.length - at);
                if (chunked) out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, at, n);
                if (chunked) out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            if (chunked) out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            var answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            // Connection: close on the request: the answer ends where the connection does.
            for (int n; (n = in.read(buffer)) > 0; ) answer.write(buffer, 0, n);
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void aClientStillSendingThreeMegabytesReadsThe413OverARawSocket() throws IOException {
        String answer = exchange("POST /v1/runs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Connection: close\r\nContent-Length: " + SENT + "\r\n\r\n", bigBody(), false);
        assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
        assertTooLarge(413, answer.substring(answer.indexOf("\r\n\r\n") + 4));
    }

    @Test
    void aChunkedBodyOverTheLimitGetsA413Too() throws IOException {
        String answer = exchange("POST /v1/runs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n", bigBody(), true);
        assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
        assertTooLarge(413, answer.substring(answer.indexOf("\r\n\r\n") + 4));
    }

    @Test
    void httpClientSendingThreeMegabytesReadsThe413() {
        for (int i = 0; i < 5; i++) { // a reset is a race: try it more than once
            var response = server.send(HttpRequest.newBuilder(server.uri("/v1/runs")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bigBody())));
            assertTooLarge(response.statusCode(), response.body());
        }
        assertEquals(200, server.get("/healthz").statusCode());
    }
}
