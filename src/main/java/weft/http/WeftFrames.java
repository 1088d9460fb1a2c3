package weft.http;

import weft.events.EventJson;
import weft.events.LoggedEvent;
import weft.events.RunEvent;
import weft.sse.SseWriter;

import java.nio.charset.StandardCharsets;

/**
 * Weft's own way of serving a run's events: one SSE frame per event, its {@code id} the
 * event's sequence number and its {@code data} the event's JSON line. Other ways of serving
 * the same log (OpenAI-style chunks, for one) are {@link EventFrames} of their own.
 */
final class WeftFrames implements EventFrames {
    private static final byte[] NOTHING = {};

    private final String runId;
    private final long retryMillis;

    WeftFrames(String runId, long retryMillis) {
        this.runId = runId;
        this.retryMillis = retryMillis;
    }

    /** Tells an {@code EventSource} how soon to reconnect. */
    @Override
    public byte[] opening() {
        return ("retry: " + retryMillis + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] render(LoggedEvent event) {
        return frame(runId, event);
    }

    @Override
    public byte[] streamError(String code, String message) {
        return streamError(runId, code, message);
    }

    /** The {@code done} event ends the stream: Weft adds nothing after it. */
    @Override
    public byte[] closing() {
        return NOTHING;
    }

    static byte[] frame(String runId, LoggedEvent event) {
        if (event.event() instanceof RunEvent.Delta delta) return DeltaFrame.render(runId, event.seq(), event.ts(), delta);
        return general(runId, event);
    }

    /** Any event's frame: its JSON line, rendered by Jackson, as the {@code data}. */
    static byte[] general(String runId, LoggedEvent event) {
        return SseWriter.render(event.seq(), event.type(), EventJson.generated(runId, event));
    }

    /**
     * An {@code error} frame about the stream itself rather than the run, such as a store that
     * stopped answering. It is not in the run's log, so it has no {@code id}: a client that
     * reconnects with its {@code Last-Event-ID} still resumes exactly where it was.
     */
    static byte[] streamError(String runId, String code, String message) {
        var json = Json.object().put("run_id", runId).put("type", "error").put("code", code)
                .put("message", message).put("retryable", true);
        return ("event: error\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
    }
}
