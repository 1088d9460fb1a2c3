package weft.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.providers.ToolCall;
import weft.providers.ToolResult;

import java.util.ArrayList;

/**
 * A session's message as JSON, the same in a shared store and in {@code GET /v1/sessions/{id}}:
 * {@code role, content, status, run_id}, and {@code tool_calls} on an assistant message that
 * made calls, {@code call_id, name} (and {@code error: true}) on a tool message.
 */
public final class MessageJson {
    private MessageJson() {}

    public static void write(ObjectNode json, StoredMessage m) {
        json.put("role", m.role()).put("content", m.content()).put("status", m.status()).put("run_id", m.runId());
        if (!m.toolCalls().isEmpty()) {
            var calls = json.putArray("tool_calls");
            for (ToolCall c : m.toolCalls()) calls.addObject().put("call_id", c.id()).put("name", c.name()).put("arguments", c.arguments());
        }
        if (m.toolResult() != null) {
            json.put("call_id", m.toolResult().callId()).put("name", m.toolResult().name());
            if (m.toolResult().error()) json.put("error", true);
        }
    }

    /** The message, or null for JSON that is not one of Weft's. */
    public static StoredMessage read(JsonNode m) {
        if (m == null || !m.path("role").isTextual() || !m.path("content").isTextual()) return null;
        var calls = new ArrayList<ToolCall>();
        for (JsonNode c : m.path("tool_calls")) {
            calls.add(new ToolCall(c.path("call_id").asText(), c.path("name").asText(), c.path("arguments").asText()));
        }
        String role = m.get("role").asText();
        ToolResult result = role.equals("tool") ? new ToolResult(m.path("call_id").asText(), m.path("name").asText(),
                m.get("content").asText(), m.path("error").asBoolean()) : null;
        return new StoredMessage(role, m.get("content").asText(), m.path("status").asText("completed"),
                m.path("run_id").asText(""), calls, result);
    }
}
