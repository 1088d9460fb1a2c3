package weft.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import weft.providers.Usage;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;

/**
 * Renders an event as the single line of JSON that goes into an SSE {@code data:} field:
 * <pre>{"run_id":"r_…","seq":7,"ts":1732450000123,"type":"delta","agent":"assistant","text":"Hello"}</pre>
 * Jackson escapes control characters inside strings, so the line never contains a raw
 * newline whatever the model wrote.
 */
public final class EventJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private EventJson() {}

    /** The event's JSON as UTF-8 bytes: Jackson encodes straight into them, with no String in between. */
    public static byte[] render(String runId, long seq, long epochMillis, RunEvent event) {
        var out = new ByteArrayOutputStream(192);
        try (JsonGenerator json = FACTORY.createGenerator(out, com.fasterxml.jackson.core.JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeStringField("run_id", runId);
            json.writeNumberField("seq", seq);
            json.writeNumberField("ts", epochMillis);
            json.writeStringField("type", event.type());
            event.writeFields(json);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("a ByteArrayOutputStream does not fail", e);
        }
        return out.toByteArray();
    }

    static void writeUsage(JsonGenerator json, Usage usage) throws IOException {
        json.writeObjectFieldStart("usage");
        json.writeNumberField("input_tokens", usage.inputTokens());
        json.writeNumberField("output_tokens", usage.outputTokens());
        if (usage.estimated()) json.writeBooleanField("estimated", true);
        json.writeEndObject();
    }
}
