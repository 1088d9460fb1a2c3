package weft.aisdk;

import com.fasterxml.jackson.databind.JsonNode;
import weft.testing.TestServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A client's view of one UI message stream, read line by line on a thread of its own: the
 * {@code data:} payloads in order ({@code [DONE]} included), as the AI SDK's parser sees them.
 */
final class UiStream implements AutoCloseable {
    private static final String END = "\u0000end";

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<String> payloads = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();

    private UiStream(HttpResponse<InputStream> response) {
        this.response = response;
        Thread.ofVirtual().name("ui stream reader").start(this::read);
    }

    static UiStream open(TestServer server, HttpRequest.Builder request) {
        try {
            return new UiStream(server.http().send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code POST /v1/ui/chat} with this body. */
    static UiStream post(TestServer server, String body, String... headers) {
        var request = HttpRequest.newBuilder(server.uri("/v1/ui/chat")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) request.headers(headers);
        return open(server, request);
    }

    /** {@code GET /v1/ui/chat/{id}/stream}, as the AI SDK's reconnect sends it. */
    static UiStream resume(TestServer server, String chatId, String... headers) {
        var request = HttpRequest.newBuilder(server.uri("/v1/ui/chat/" + chatId + "/stream"));
        if (headers.length > 0) request.headers(headers);
        return open(server, request);
    }

    private void read() {
        try (var in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("data: ")) payloads.add(line.substring("data: ".length()));
            }
        } catch (IOException closed) {
            // The stream ended or the test closed it.
        } finally {
            payloads.add(END);
        }
    }

    int status() { return response.statusCode(); }

    Optional<String> header(String name) { return response.headers().firstValue(name); }

    String runId() { return header("X-Run-Id").orElseThrow(() -> new AssertionError("no X-Run-Id")); }

    /** The payloads read so far. */
    List<String> seen() { return List.copyOf(seen); }

    int seenSoFar() { return seen.size(); }

    /** The next payload, or null once the stream has ended. */
    String next() {
        try {
            String p = payloads.poll(20, TimeUnit.SECONDS);
            if (p == null) throw new AssertionError("nothing arrived within 20 s; so far: " + seen);
            if (p.equals(END)) {
                payloads.add(END);
                return null;
            }
            seen.add(p);
            return p;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Reads up to and including the first payload that matches; returns it. */
    String until(Predicate<String> wanted) {
        for (String p; (p = next()) != null; ) if (wanted.test(p)) return p;
        throw new AssertionError("the stream ended before the payload wanted; it had " + seen);
    }

    /** Every payload so far and up to the end of the stream, which must come right after {@code [DONE]}. */
    List<String> toEnd() {
        for (String p; (p = next()) != null; ) {
            if (p.equals("[DONE]")) {
                if (next() != null) throw new AssertionError("the stream went on after [DONE]: " + seen);
                break;
            }
        }
        return List.copyOf(seen);
    }

    static JsonNode json(String payload) {
        try {
            return TestServer.JSON.readTree(payload);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + payload, e);
        }
    }

    static String type(String payload) {
        return payload.equals("[DONE]") ? "[DONE]" : json(payload).path("type").asText();
    }

    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // Closing is all we wanted.
        }
    }
}
