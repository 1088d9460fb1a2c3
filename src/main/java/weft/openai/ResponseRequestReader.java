package weft.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.http.HttpError;
import weft.http.Json;
import weft.http.RunRequestReader;
import weft.providers.ChatMessage;
import weft.providers.Sampling;
import weft.providers.ToolCall;
import weft.providers.ToolChoice;
import weft.providers.ToolResult;
import weft.tools.ToolDeclaration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static weft.openai.ChatRequestReader.checkFields;
import static weft.openai.ChatRequestReader.bool;
import static weft.openai.ChatRequestReader.number;
import static weft.openai.ChatRequestReader.positive;
import static weft.openai.ChatRequestReader.text;
import static weft.openai.ChatRequestReader.typeOf;

/**
 * Reads a {@code POST /v1/responses} body. {@code input} is a string (one user message) or a
 * list of items: messages ({@code user}, {@code assistant}, {@code system}, {@code developer},
 * their content a string or {@code input_text} / {@code output_text} parts), {@code
 * function_call} and {@code function_call_output} items, and {@code reasoning} items a client
 * passes back from an earlier output (skipped: Weft's reasoning is other agents' text, which no
 * model reads again). As in {@link ChatRequestReader}, mapped fields are checked as OpenAI checks
 * them, fields OpenAI has that Weft does not map are accepted when their type is right, and
 * fields OpenAI does not have are refused.
 */
final class ResponseRequestReader {
    /** Fields of OpenAI's request that Weft accepts and ignores, with the JSON type each must have. */
    private static final Map<String, String> IGNORED = Map.ofEntries(
            Map.entry("store", "boolean"), Map.entry("parallel_tool_calls", "boolean"), Map.entry("include", "array"),
            Map.entry("reasoning", "object"), Map.entry("text", "object"), Map.entry("truncation", "string"),
            Map.entry("service_tier", "string"), Map.entry("prompt_cache_key", "string"),
            Map.entry("safety_identifier", "string"), Map.entry("top_logprobs", "number"),
            Map.entry("max_tool_calls", "number"), Map.entry("stream_options", "object"),
            Map.entry("prompt_cache_retention", "string"));
    /** Fields of OpenAI's request that would change the answer in ways Weft cannot honour: refused, saying so. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "conversation", "Weft keeps a conversation as a session: continue it with 'previous_response_id'",
            "prompt", "Weft has no stored prompt templates: send 'instructions' and 'input'",
            "context_management", "Weft does not compact conversations");
    private static final Set<String> MAPPED = Set.of("model", "input", "instructions", "stream", "background",
            "previous_response_id", "max_output_tokens", "temperature", "top_p", "user", "tools", "tool_choice", "metadata");

    private ResponseRequestReader() {}

    static ResponseRequest read(JsonNode body, ModelNames models, RunRequestReader.Limits limits) {
        if (body.has("messages") && !body.has("input")) {
            throw new HttpError(400, "invalid_request", "This endpoint takes OpenAI's Responses body, {\"model\", "
                    + "\"input\": \"…\" or [...]}; a body with \"messages\" is a Chat Completions request: send it to "
                    + "POST /v1/chat/completions.", Map.of(), Map.of(OpenAiErrors.PARAM, "messages",
                    OpenAiErrors.CODE, "unknown_parameter"));
        }
        checkFields(body, MAPPED, IGNORED, UNSUPPORTED);
        String model = text(body, "model");
        ModelNames.Target target = ChatRequestReader.target(model, models);
        String previous = text(body, "previous_response_id");
        var input = new Input(body.get("input"), text(body, "instructions"));
        JsonNode rawTools = body.get("tools");
        List<ToolDeclaration> tools = ChatRequestReader.tools(rawTools, limits, false);
        JsonNode rawChoice = body.get("tool_choice");
        ToolChoice choice = ChatRequestReader.toolChoice(rawChoice, tools, false);
        Integer maxTokens = positive(body, "max_output_tokens", limits.maxTokens());
        Double temperature = number(body, "temperature", 0, 2);
        Double topP = number(body, "top_p", 0, 1);
        String user = text(body, "user");
        JsonNode metadata = body.get("metadata");
        if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
            throw OpenAiErrors.invalid("metadata", "Invalid type for 'metadata': expected an object, but got " + typeOf(metadata) + ".");
        }
        boolean background = bool(body, "background");
        boolean stream = bool(body, "stream");

        ObjectNode echo = Json.object();
        echo.put("background", background);
        echo.put("instructions", text(body, "instructions"));
        if (maxTokens == null) echo.putNull("max_output_tokens"); else echo.put("max_output_tokens", maxTokens);
        echo.put("model", model);
        echo.put("parallel_tool_calls", !body.path("parallel_tool_calls").isBoolean() || body.get("parallel_tool_calls").booleanValue());
        echo.put("previous_response_id", previous);
        echo.set("reasoning", Json.object().putNull("effort").putNull("summary"));
        echo.put("store", !body.path("store").isBoolean() || body.get("store").booleanValue());
        if (temperature == null) echo.put("temperature", 1.0); else echo.put("temperature", temperature);
        echo.set("text", body.path("text").isObject() ? body.get("text") : Json.object().set("format", Json.object().put("type", "text")));
        echo.set("tool_choice", rawChoice == null || rawChoice.isNull() ? Json.MAPPER.getNodeFactory().textNode("auto") : rawChoice);
        echo.set("tools", rawTools == null || rawTools.isNull() ? Json.MAPPER.createArrayNode() : rawTools);
        if (topP == null) echo.put("top_p", 1.0); else echo.put("top_p", topP);
        echo.put("truncation", body.path("truncation").isTextual() ? body.get("truncation").textValue() : "disabled");
        echo.put("user", user);
        echo.set("metadata", metadata == null || metadata.isNull() ? Json.object() : metadata);
        return new ResponseRequest(model, target, input.system(), input.items, maxTokens,
                new Sampling(temperature, topP, List.of(), user), choice, tools, stream, background, previous, echo);
    }

    /** {@code input} and {@code instructions}, read into the system prompt and the turns. */
    private static final class Input {
        private final StringBuilder system = new StringBuilder();
        private final List<ChatMessage> items = new ArrayList<>();

        Input(JsonNode input, String instructions) {
            if (instructions != null && !instructions.isBlank()) system.append(instructions);
            if (input == null || input.isNull()) throw OpenAiErrors.invalid("input", "Missing required parameter: 'input'.");
            if (input.isTextual()) {
                if (input.textValue().isBlank()) throw OpenAiErrors.invalid("input", "'input' is empty: send what the model is to answer.");
                items.add(ChatMessage.user(input.textValue()));
                return;
            }
            if (!input.isArray()) {
                throw OpenAiErrors.invalid("input", "Invalid type for 'input': expected a string or an array of input items, but got "
                        + typeOf(input) + ".");
            }
            if (input.isEmpty()) throw OpenAiErrors.invalid("input", "'input' is an empty array: send at least one message.");
            Map<String, String> called = new HashMap<>(); // calls in the input without an output yet: id → name
            for (int i = 0; i < input.size(); i++) item(input.get(i), "input[" + i + "]", called);
            if (items.isEmpty()) throw OpenAiErrors.invalid("input", "'input' holds no message for the model to answer.");
            ChatMessage last = items.getLast();
            if (last.role() == ChatMessage.Role.ASSISTANT) {
                throw OpenAiErrors.invalid("input", "The last input item must be the user's message (or the outputs of "
                        + "function calls): Weft answers it, and 'input' ends with " + (last.toolCalls().isEmpty()
                        ? "an assistant's message." : "a 'function_call' without its 'function_call_output'."));
            }
            if (last.role() == ChatMessage.Role.USER && last.content().isBlank() && items.size() == 1) {
                throw OpenAiErrors.invalid("input", "The user's message is empty: send what the model is to answer.");
            }
        }

        private void item(JsonNode item, String where, Map<String, String> called) {
            if (!item.isObject()) throw OpenAiErrors.invalid(where, "'" + where + "' must be an object: a message or an item with a 'type'.");
            String type = item.has("type") ? text(item, "type") : "message";
            switch (type) {
                case "message" -> message(item, where, called);
                case "function_call" -> {
                    String callId = required(item, "call_id", where);
                    String name = required(item, "name", where);
                    String arguments = required(item, "arguments", where);
                    var call = new ToolCall(callId, name, arguments);
                    ChatMessage last = items.isEmpty() ? null : items.getLast();
                    // Calls right after an assistant's message (or each other) are that message's calls.
                    if (last != null && last.role() == ChatMessage.Role.ASSISTANT) {
                        var calls = new ArrayList<>(last.toolCalls());
                        calls.add(call);
                        items.set(items.size() - 1, ChatMessage.assistant(last.content(), calls));
                    } else {
                        items.add(ChatMessage.assistant("", List.of(call)));
                    }
                    called.put(callId, name);
                }
                case "function_call_output" -> {
                    String callId = required(item, "call_id", where);
                    String output = output(item, where);
                    // A call of the previous response has no name here yet: ResponseRequest.run gives it one.
                    items.add(ChatMessage.tool(new ToolResult(callId, called.remove(callId), output, false)));
                }
                case "reasoning" -> { }
                default -> throw OpenAiErrors.invalid(where + ".type", "Input items of type '" + type + "' are not supported: "
                        + "Weft takes 'message', 'function_call', 'function_call_output' (and skips 'reasoning').");
            }
        }

        private void message(JsonNode m, String where, Map<String, String> called) {
            String role = text(m, "role");
            if (role == null) throw OpenAiErrors.invalid(where + ".role", "Missing required parameter: '" + where + ".role'.");
            switch (role) {
                case "system", "developer" -> {
                    if (!system.isEmpty()) system.append("\n\n");
                    system.append(content(m, where, "input_text"));
                }
                case "user" -> items.add(ChatMessage.user(content(m, where, "input_text")));
                case "assistant" -> items.add(ChatMessage.assistant(content(m, where, "output_text")));
                default -> throw OpenAiErrors.invalid(where + ".role", "Invalid value: '" + role
                        + "'. Supported values are: 'user', 'assistant', 'system' and 'developer'.");
            }
            if (!role.equals("assistant")) called.clear();
        }

        String system() { return system.isEmpty() ? null : system.toString(); }
    }

    /** A message's text: a string, or text parts ({@code input_text}, or an assistant's {@code output_text}). */
    private static String content(JsonNode m, String where, String textType) {
        JsonNode c = m.get("content");
        if (c == null || c.isNull()) throw OpenAiErrors.invalid(where + ".content", "Missing required parameter: '" + where + ".content'.");
        if (c.isTextual()) return c.textValue();
        if (!c.isArray()) throw OpenAiErrors.invalid(where + ".content", "'" + where + ".content' must be a string or an array of content parts.");
        var text = new StringBuilder();
        for (int i = 0; i < c.size(); i++) {
            String at = where + ".content[" + i + "]";
            JsonNode part = c.get(i);
            String type = part.path("type").asText("");
            if (!type.equals("input_text") && !type.equals("output_text")) {
                throw OpenAiErrors.invalid(at + ".type", "Content parts of type '" + type + "' are not supported: Weft's "
                        + "models read text, so send parts of type '" + textType + "'.");
            }
            if (!part.path("text").isTextual()) throw OpenAiErrors.invalid(at + ".text", "Missing required parameter: '" + at + ".text'.");
            text.append(part.get("text").textValue());
        }
        return text.toString();
    }

    /** A function's output: a string, or text parts. */
    private static String output(JsonNode item, String where) {
        JsonNode o = item.get("output");
        if (o != null && o.isArray()) {
            var text = new StringBuilder();
            for (JsonNode part : o) text.append(part.path("text").asText(""));
            return text.toString();
        }
        return required(item, "output", where);
    }

    private static String required(JsonNode item, String field, String where) {
        String v = text(item, field);
        if (v == null) throw OpenAiErrors.invalid(where + "." + field, "Missing required parameter: '" + where + "." + field + "'.");
        return v;
    }
}
