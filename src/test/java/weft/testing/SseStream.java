package weft.testing;

import com.fasterxml.jackson.databind.JsonNode;
import weft.sse.SseEvent;
import weft.sse.SseParser;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A client's view of one SSE response, parsed with Weft's own parser on a reader thread.
 * {@link #next()} hands out events, comments and the retry line in arrival order.
 */
public final class SseStream implements AutoCloseable {
    /** What arrived: an event, a comment, a retry, or the end of the stream. */
    public sealed interface Item {}

    public record Event(SseEvent sse, JsonNode data) implements Item {
        public String type() { return sse.type(); }

        public long id() { return Long.parseLong(sse.id()); }

        public String text(String field) { return data.path(field).asText(); }
    }

    public record Comment(String text) implements Item {}

    public record Retry(long millis) implements Item {}

    public record End() implements Item {}

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Item> items = new LinkedBlockingQueue<>();

    public static SseStream of(HttpResponse<InputStream> response) {
        return new SseStream(response);
    }

    SseStream(HttpResponse<InputStream> response) {
        this.response = response;
        Thread.ofVirtual().name("sse test reader").start(this::read);
    }

    private void read() {
        try (InputStream in = response.body()) {
            SseParser.parse(in, new SseParser.Listener() {
                @Override
                public void onEvent(SseEvent event) {
                    try {
                        items.add(new Event(event, TestServer.JSON.readTree(event.data())));
                    } catch (IOException e) {
                        throw new UncheckedIOException("event data is not JSON: " + event.data(), e);
                    }
                }

                @Override
                public void onRetry(long millis) { items.add(new Retry(millis)); }

                @Override
                public void onComment(String comment) { items.add(new Comment(comment)); }
            });
        } catch (IOException | UncheckedIOException closed) {
            // The stream ended or was closed by the test.
        } finally {
            items.add(new End());
        }
    }

    public HttpResponse<InputStream> response() { return response; }

    public int status() { return response.statusCode(); }

    public Item next() {
        try {
            Item item = items.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (item == null) throw new AssertionError("nothing arrived within " + TIMEOUT);
            return item;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next event, skipping comments and the retry line. */
    public Event nextEvent() {
        while (true) {
            Item item = next();
            if (item instanceof Event e) return e;
            if (item instanceof End) throw new AssertionError("the stream ended before another event");
        }
    }

    /** Every remaining event up to and including {@code done}; asserts the stream then ends. */
    public List<Event> readToDone() {
        var events = new ArrayList<Event>();
        while (true) {
            Event e = nextEvent();
            events.add(e);
            if (e.type().equals("done")) break;
        }
        Item after = next();
        if (!(after instanceof End)) throw new AssertionError("the stream went on after done: " + after);
        return events;
    }

    /** Drops the connection, as a client that goes away does. */
    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // Closing is all we wanted.
        }
    }
}
