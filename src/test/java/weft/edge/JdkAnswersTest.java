package weft.edge;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.TestServer;
import weft.testing.WeftProcess;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * What a client sees where the JDK server answers by itself, before Weft's code runs (the
 * README says the same): over {@code WEFT_MAX_HEADERS} headers or {@code WEFT_MAX_HEADER_BYTES}
 * of them, the connection is closed without a status line; a malformed request line gets the
 * JDK's own {@code 400} in HTML and a closed connection.
 */
class JdkAnswersTest {
    private static WeftProcess weft;

    @BeforeAll
    static void start() throws IOException {
        assumeFalse(TestServer.onRedis(), "the JDK server's limits do not depend on the store");
        weft = WeftProcess.start(Map.of("WEFT_MAX_HEADERS", "20", "WEFT_MAX_HEADER_BYTES", "4096"));
    }

    @AfterAll
    static void stop() {
        if (weft != null) weft.close();
    }

    /** Sends the bytes and reads until the server closes the connection. */
    private static String raw(String request) throws IOException {
        try (var socket = new Socket("127.0.0.1", weft.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            try {
                return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (java.net.SocketException reset) {
                return "";
            }
        }
    }

    private static String headers(int count, int valueBytes) {
        var out = new StringBuilder("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        for (int i = 0; i < count; i++) out.append("X-H").append(i).append(": ").append("v".repeat(valueBytes)).append("\r\n");
        return out.append("\r\n").toString();
    }

    @Test
    void headersWithinTheLimitsAreServed() throws IOException {
        assertTrue(raw(headers(15, 100)).startsWith("HTTP/1.1 200 "));
    }

    @Test
    void moreThanWeftMaxHeadersClosesTheConnectionWithoutAnAnswer() throws IOException {
        assertEquals("", raw(headers(30, 10)));
    }

    @Test
    void aRepeatedHeaderNameCountsOnceTowardsWeftMaxHeadersButItsBytesCount() throws IOException {
        String repeated = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + "X-Same: v\r\n".repeat(30) + "\r\n";
        assertTrue(raw(repeated).startsWith("HTTP/1.1 200 "), "the JDK counts header names, not lines");
        assertEquals("", raw(repeated.replace("X-Same: v\r\n".repeat(30), "X-Same: v\r\n".repeat(300))));
    }

    @Test
    void headersLargerThanWeftMaxHeaderBytesCloseTheConnectionWithoutAnAnswer() throws IOException {
        assertEquals("", raw(headers(2, 5000)));
        assertEquals("", raw("GET /healthz?" + "q".repeat(5000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n"), "the request line counts too");
    }

    @Test
    void aMalformedRequestLineGetsTheJdksOwn400AndAClosedConnection() throws IOException {
        String answer = raw("NONSENSE\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 Bad Request\r\n"), answer);
        assertTrue(answer.contains("Connection: close"), answer);
        assertTrue(answer.contains("Content-Type: text/html"), answer);
        assertTrue(raw("GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: nope\r\n\r\n")
                .startsWith("HTTP/1.1 400 Bad Request\r\n"));
        assertTrue(raw("POST /v1/runs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}")
                .startsWith("HTTP/1.1 400 Bad Request\r\n"));
        assertTrue(raw("POST /v1/runs HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n")
                .startsWith("HTTP/1.1 501 Not Implemented\r\n"));
    }
}
