package weft.http;

import org.junit.jupiter.api.Test;
import weft.testing.SseStream;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGTERM: stop accepting, let short runs finish, cancel long ones so every stream ends with done, exit within 5 s. */
class ShutdownTest {

    @Test
    void sigtermEndsEveryStreamWithDoneAndExitsWithinFiveSeconds() throws Exception {
        var command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-preview", "-Dsun.net.httpserver.nodelay=true",
                "-cp", System.getProperty("java.class.path"), "weft.Main", "--weft_port=0"));
        var builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("WEFT_DEMO_TTFT", "50ms");
        builder.environment().put("WEFT_DEMO_TOKENS_PER_SECOND", "40");
        Process server = builder.start();
        try {
            var out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String banner = out.readLine();
            var port = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)").matcher(banner);
            assertTrue(port.find(), "banner: " + banner);
            URI runs = URI.create("http://127.0.0.1:" + port.group(1) + "/v1/runs");
            var http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

            SseStream longRun = open(http, runs, "{\"input\":\"Tell me a long story\"}");
            SseStream shortRun = open(http, runs, "{\"input\":\"Be short\",\"max_tokens\":40}");
            while (!longRun.nextEvent().type().equals("delta")) { }
            while (!shortRun.nextEvent().type().equals("delta")) { }

            long sigterm = System.nanoTime();
            server.destroy(); // SIGTERM
            var longEvents = longRun.readToDone();
            var shortEvents = shortRun.readToDone();
            assertTrue(server.waitFor(5, TimeUnit.SECONDS), "the server did not exit within 5 s of SIGTERM");
            long exitMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);

            assertEquals("completed", shortEvents.getLast().text("status"), "a run that ends within the grace period completes");
            assertEquals("cancelled", longEvents.getLast().text("status"), "a run still going after the grace period is cancelled");
            assertTrue(exitMs < 5000, "exit took " + exitMs + " ms");
            assertTrue(exitMs >= 2500, "the server gave running runs no grace: exited after " + exitMs + " ms");
            try {
                http.send(HttpRequest.newBuilder(runs).POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hi\"}")).build(),
                        HttpResponse.BodyHandlers.discarding());
                throw new AssertionError("a request after shutdown was answered");
            } catch (ConnectException expected) {
                // Nothing listens any more.
            }
        } finally {
            server.destroyForcibly();
        }
    }

    private static SseStream open(HttpClient http, URI runs, String body) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(runs)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        return SseStream.of(response);
    }
}
