package weft.http;

import org.junit.jupiter.api.Test;
import weft.testing.ScriptedProvider;
import weft.testing.TestServer;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A {@code "stream": false} client is a follower like any other: when it leaves, its run's policy applies. */
class BlockingClientTest {
    private static final ScriptedProvider LONG = ScriptedProvider.of("long", Collections.nCopies(2000, "w "))
            .pausing(Duration.ofMillis(5));

    @Test
    void aBlockingClientThatLeavesIsNoticedWithinAHeartbeatAndItsRunIsCancelled() throws Exception {
        try (TestServer server = TestServer.start(Map.of("WEFT_HEARTBEAT", "200ms"), LONG)) {
            String body = "{\"input\":\"go\",\"provider\":\"long\",\"stream\":false,\"on_disconnect\":\"cancel\"}";
            long left;
            String runId;
            try (var socket = new Socket("127.0.0.1", server.weft().port())) {
                socket.getOutputStream().write(("POST /v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                InputStream in = socket.getInputStream();
                String head = readHead(in);
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
                assertTrue(head.toLowerCase().contains("content-type: application/json"), head);
                var id = java.util.regex.Pattern.compile("(?i)x-run-id: (r_\\S+)").matcher(head);
                assertTrue(id.find(), head);
                runId = id.group(1);
                assertEquals(' ', skipChunkSize(in), "the heartbeat is JSON whitespace");
                left = System.nanoTime();
            } // like curl -m1: the client gives up
            var end = server.awaitEnd(runId);
            assertEquals("cancelled", end.status().wire());
            long millis = (System.nanoTime() - left) / 1_000_000;
            assertTrue(millis < 5_000, "noticed " + millis + " ms after the client left (the run alone would take 10 s)");
        }
    }

    @Test
    void aQuickBlockingRunKeepsItsRealStatusAndLength() {
        try (TestServer server = TestServer.start(Map.of("WEFT_HEARTBEAT", "5s"))) {
            var answer = server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false}");
            assertEquals(200, answer.statusCode());
            assertTrue(answer.headers().firstValue("Content-Length").isPresent(), "not chunked: nothing was sent early");
            assertEquals("completed", TestServer.json(answer).get("status").asText());
        }
    }

    private static String readHead(InputStream in) throws java.io.IOException {
        var head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) break;
            head.append((char) b);
        }
        return head.toString();
    }

    /** Reads a chunk's size line and returns the chunk's first byte. */
    private static int skipChunkSize(InputStream in) throws java.io.IOException {
        int b;
        while ((b = in.read()) != '\n') if (b < 0) return -1;
        return in.read();
    }
}
