package weft.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.http.Json;

import java.util.ArrayList;
import java.util.List;

/**
 * The non-streamed answer, {@code chat.completion}: the run's chunks folded into one message,
 * as OpenAI's SDKs fold a stream (content and reasoning joined, each tool call's pieces joined
 * by its index), so the two ways of asking can never disagree.
 */
final class ChatCompletion {
    private final StringBuilder content = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final List<ObjectNode> calls = new ArrayList<>();
    private final List<StringBuilder> arguments = new ArrayList<>();
    private String id;
    private long created;
    private String model;
    private String finishReason;
    private JsonNode usage;

    void add(ObjectNode chunk) {
        id = chunk.path("id").asText();
        created = chunk.path("created").asLong();
        model = chunk.path("model").asText();
        if (chunk.path("usage").isObject()) usage = chunk.get("usage");
        for (JsonNode choice : chunk.path("choices")) {
            JsonNode delta = choice.path("delta");
            if (delta.path("content").isTextual()) content.append(delta.get("content").textValue());
            if (delta.path("reasoning_content").isTextual()) reasoning.append(delta.get("reasoning_content").textValue());
            for (JsonNode call : delta.path("tool_calls")) {
                int index = call.path("index").asInt();
                if (index == calls.size()) {
                    calls.add(Json.object().put("id", call.path("id").asText()).put("type", "function"));
                    calls.getLast().putObject("function").put("name", call.path("function").path("name").asText());
                    arguments.add(new StringBuilder());
                }
                arguments.get(index).append(call.path("function").path("arguments").asText(""));
            }
            if (choice.path("finish_reason").isTextual()) finishReason = choice.get("finish_reason").textValue();
        }
    }

    ObjectNode json() {
        ObjectNode json = Json.object().put("id", id).put("object", "chat.completion").put("created", created).put("model", model);
        ObjectNode choice = json.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        // OpenAI writes null content for an answer that only called tools.
        if (content.isEmpty() && !calls.isEmpty()) message.putNull("content");
        else message.put("content", content.toString());
        if (!reasoning.isEmpty()) message.put("reasoning_content", reasoning.toString());
        message.putNull("refusal");
        message.putArray("annotations");
        if (!calls.isEmpty()) {
            ArrayNode list = message.putArray("tool_calls");
            for (int i = 0; i < calls.size(); i++) {
                ObjectNode call = calls.get(i).deepCopy();
                call.withObject("function").put("arguments", arguments.get(i).toString());
                list.add(call);
            }
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        if (usage != null) json.set("usage", usage);
        return json;
    }
}
