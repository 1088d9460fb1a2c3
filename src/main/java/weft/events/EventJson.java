package weft.events;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.json.Jackson;
import weft.providers.Usage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An event as one line of JSON, the form Weft's SSE puts into a {@code data:} field and the
 * form a shared event log stores:
 * <pre>{"run_id":"r_…","seq":7,"ts":1732450000123,"type":"delta","agent":"assistant","text":"Hello"}</pre>
 * Jackson escapes control characters inside strings, so the line never contains a raw
 * newline whatever the model wrote. {@link #parse} reads the same line back into a typed event.
 */
public final class EventJson {
    // Characters beyond the BMP (emoji) as their four UTF-8 bytes, not as two \\u escapes.
    private static final JsonFactory FACTORY = Jackson.factory()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();
    private static final ObjectMapper READER = new ObjectMapper(FACTORY);

    private EventJson() {}

    /**
     * The event's JSON as UTF-8 bytes. A delta's (nearly every event) is put together from
     * pre-encoded parts ({@link DeltaJson}); any other Jackson encodes straight into bytes, with
     * no String in between.
     */
    public static byte[] render(String runId, LoggedEvent logged) {
        if (logged.event() instanceof RunEvent.Delta delta) return DeltaJson.render(0, runId, logged.seq(), logged.ts(), delta, 0);
        return generated(runId, logged);
    }

    /** Any event's JSON as Jackson's generator writes it: what the delta's fast path is held to. */
    public static byte[] generated(String runId, LoggedEvent logged) {
        var out = new ByteArrayOutputStream(192);
        try (JsonGenerator json = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeStringField("run_id", runId);
            json.writeNumberField("seq", logged.seq());
            json.writeNumberField("ts", logged.ts());
            json.writeStringField("type", logged.type());
            logged.event().writeFields(json);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("a ByteArrayOutputStream does not fail", e);
        }
        return out.toByteArray();
    }

    /** Thrown by {@link #parse} for a line that is not one of Weft's events. */
    public static final class NotAnEvent extends Exception {
        NotAnEvent(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Reads a line written by {@link #render}. Whatever else it meets (another program's data,
     * an event of another run) is refused with the reason, never half-read.
     */
    public static LoggedEvent parse(String runId, byte[] line, long receivedNanos) throws NotAnEvent {
        JsonNode json;
        try {
            json = READER.readTree(line);
        } catch (IOException e) {
            throw new NotAnEvent("not JSON: " + e.getMessage());
        }
        if (json == null || !json.isObject()) throw new NotAnEvent("not a JSON object");
        if (!runId.equals(json.path("run_id").asText(null))) throw new NotAnEvent("not an event of run " + runId);
        if (!json.path("seq").canConvertToLong() || !json.path("ts").canConvertToLong()) {
            throw new NotAnEvent("no numeric seq and ts");
        }
        return new LoggedEvent(json.get("seq").asLong(), json.get("ts").asLong(), event(json), receivedNanos);
    }

    private static RunEvent event(JsonNode j) throws NotAnEvent {
        String type = text(j, "type");
        return switch (type) {
            case "run_started" -> new RunEvent.RunStarted(text(j, "workflow"), j.path("session_id").textValue());
            case "agent_started" -> new RunEvent.AgentStarted(text(j, "agent"), j.path("parent").asText(null));
            case "delta" -> new RunEvent.Delta(text(j, "agent"), text(j, "text"));
            case "agent_progress" -> new RunEvent.AgentProgress(text(j, "agent"), text(j, "message"));
            case "citation" -> new RunEvent.Citation(text(j, "agent"), text(j, "marker"), text(j, "document_id"), text(j, "title"));
            case "agent_completed" -> new RunEvent.AgentCompleted(text(j, "agent"), text(j, "text"), usage(j),
                    j.path("finish_reason").textValue());
            case "error" -> new RunEvent.Error(text(j, "code"), text(j, "message"), j.path("retryable").asBoolean(),
                    j.path("agent").asText(null));
            case "done" -> new RunEvent.Done(text(j, "status"), text(j, "output"), usage(j));
            case "tool_call_delta" -> new RunEvent.ToolCallDelta(text(j, "agent"), text(j, "call_id"),
                    j.path("name").asText(null), text(j, "arguments_delta"));
            case "tool_call" -> new RunEvent.ToolCall(text(j, "agent"), text(j, "call_id"), text(j, "name"),
                    j.path("arguments"), text(j, "executor"));
            case "tool_progress" -> new RunEvent.ToolProgress(text(j, "agent"), text(j, "call_id"), text(j, "message"));
            case "tool_result" -> new RunEvent.ToolResult(text(j, "agent"), text(j, "call_id"), text(j, "name"),
                    j.has("error") ? null : j.path("result"), j.has("error") ? text(j, "error") : null);
            default -> throw new NotAnEvent("unknown event type '" + type + "'");
        };
    }

    private static String text(JsonNode json, String field) throws NotAnEvent {
        JsonNode v = json.get(field);
        if (v == null || !v.isTextual()) throw new NotAnEvent("'" + field + "' is not a string");
        return v.textValue();
    }

    private static Usage usage(JsonNode json) throws NotAnEvent {
        JsonNode u = json.get("usage");
        if (u == null || !u.path("input_tokens").canConvertToLong() || !u.path("output_tokens").canConvertToLong()) {
            throw new NotAnEvent("no usage with input_tokens and output_tokens");
        }
        return new Usage(u.get("input_tokens").asLong(), u.get("output_tokens").asLong(), u.path("estimated").asBoolean());
    }

    static void writeTree(JsonGenerator json, JsonNode value) throws IOException {
        READER.writeTree(json, value);
    }

    static void writeUsage(JsonGenerator json, Usage usage) throws IOException {
        json.writeObjectFieldStart("usage");
        json.writeNumberField("input_tokens", usage.inputTokens());
        json.writeNumberField("output_tokens", usage.outputTokens());
        if (usage.estimated()) json.writeBooleanField("estimated", true);
        json.writeEndObject();
    }
}
