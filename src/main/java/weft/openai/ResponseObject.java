package weft.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.http.Json;
import weft.providers.Usage;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI's {@code response} object for one run, as {@link ResponseEvents} folds it from the
 * run's log: what {@code GET /v1/responses/{id}}, a non-streamed answer and the {@code
 * response.*} events all show, so they can never disagree. The fields the request chose
 * (model, instructions, tools …) come from its echo, in OpenAI's order.
 */
final class ResponseObject {
    private final String id;
    private final long createdAt;
    private final ObjectNode echo;
    private final List<ObjectNode> output = new ArrayList<>();
    private String status = "in_progress";
    private ObjectNode error;
    private ObjectNode incomplete;
    private ObjectNode usage;

    ResponseObject(String id, long createdAtMillis, ObjectNode echo) {
        this.id = id;
        this.createdAt = createdAtMillis / 1000;
        this.echo = echo;
    }

    /** The response id of a run: {@code resp_} and the run's id, so a response id names its run. */
    static String idOf(String runId) {
        return "resp_" + runId;
    }

    /** Adds an output item; its index in {@code output}. */
    int add(ObjectNode item) {
        output.add(item);
        return output.size() - 1;
    }

    ObjectNode item(int index) {
        return output.get(index);
    }

    void ended(String status, ObjectNode error, String incompleteReason, Usage used, long reasoningTokens) {
        this.status = status;
        this.error = error;
        this.incomplete = incompleteReason == null ? null : Json.object().put("reason", incompleteReason);
        ObjectNode u = Json.object().put("input_tokens", used.inputTokens());
        u.putObject("input_tokens_details").put("cached_tokens", 0).put("cache_write_tokens", 0); // OpenAI's SDKs require both
        u.put("output_tokens", used.outputTokens());
        u.putObject("output_tokens_details").put("reasoning_tokens", reasoningTokens);
        u.put("total_tokens", used.inputTokens() + used.outputTokens());
        this.usage = u;
    }

    String status() {
        return status;
    }

    /** The object as it stands now: a copy, so later events change none that was sent. */
    ObjectNode json() {
        ObjectNode json = Json.object().put("id", id).put("object", "response").put("created_at", createdAt)
                .put("status", status);
        echoed(json, "background");
        json.set("error", error == null ? null : error.deepCopy());
        json.set("incomplete_details", incomplete == null ? null : incomplete.deepCopy());
        for (String field : List.of("instructions", "max_output_tokens", "model")) echoed(json, field);
        var items = json.putArray("output");
        output.forEach(item -> items.add(item.deepCopy()));
        for (String field : List.of("parallel_tool_calls", "previous_response_id", "reasoning", "store", "temperature",
                "text", "tool_choice", "tools", "top_p", "truncation")) {
            echoed(json, field);
        }
        json.set("usage", usage == null ? null : usage.deepCopy());
        echoed(json, "user");
        echoed(json, "metadata");
        return json;
    }

    private void echoed(ObjectNode json, String field) {
        JsonNode v = echo.get(field);
        json.set(field, v == null ? null : v.deepCopy());
    }
}
