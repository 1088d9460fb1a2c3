package weft.sse;

import java.util.Objects;

/**
 * One dispatched server-sent event.
 *
 * @param id   the last event ID when the event was dispatched; "" if the stream never set one
 * @param type the event type; "message" when the event had no {@code event} field
 * @param data the event's data lines, joined with LF
 */
public record SseEvent(String id, String type, String data) {
    public SseEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }
}
