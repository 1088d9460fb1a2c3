package weft.openai;

import com.fasterxml.jackson.databind.JsonNode;
import weft.http.HttpError;
import weft.http.RunRequestReader;
import weft.providers.ChatMessage;
import weft.providers.Sampling;
import weft.providers.ToolCall;
import weft.providers.ToolChoice;
import weft.providers.ToolResult;
import weft.runs.OnDisconnect;
import weft.runs.RunRequest;
import weft.tools.ToolDeclaration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a {@code POST /v1/chat/completions} body into a run. {@code messages} is the whole
 * conversation, as the client keeps it: system and developer messages become the system
 * prompt, the last user message is the run's input (or, when the conversation ends with tool
 * results, the model goes on from them), and nothing is stored as a session.
 *
 * <p>The fields Weft maps are checked as OpenAI checks them; the others OpenAI's SDKs send are
 * accepted and ignored when their type is right; a field OpenAI does not have is refused, as
 * OpenAI refuses it.
 */
final class ChatRequestReader {
    /** Fields of OpenAI's request that Weft accepts and ignores, with the JSON type each must have. */
    private static final Map<String, String> IGNORED = Map.ofEntries(
            Map.entry("frequency_penalty", "number"), Map.entry("presence_penalty", "number"),
            Map.entry("logit_bias", "object"), Map.entry("logprobs", "boolean"), Map.entry("top_logprobs", "number"),
            Map.entry("seed", "number"), Map.entry("metadata", "object"), Map.entry("store", "boolean"),
            Map.entry("service_tier", "string"), Map.entry("parallel_tool_calls", "boolean"),
            Map.entry("prediction", "object"), Map.entry("prompt_cache_key", "string"),
            Map.entry("reasoning_effort", "string"), Map.entry("safety_identifier", "string"),
            Map.entry("response_format", "object"), Map.entry("verbosity", "string"),
            Map.entry("web_search_options", "object"), Map.entry("modalities", "array"), Map.entry("audio", "object"),
            Map.entry("functions", "array"), Map.entry("function_call", "any"));
    private static final Set<String> MAPPED = Set.of("model", "messages", "stream", "stream_options", "max_tokens",
            "max_completion_tokens", "temperature", "top_p", "stop", "user", "n", "tools", "tool_choice");

    private ChatRequestReader() {}

    static ChatRequest read(JsonNode body, ModelNames models, RunRequestReader.Limits limits) {
        if (body.has("input") && !body.has("messages")) {
            throw new HttpError(400, "invalid_request", "This endpoint takes OpenAI's Chat Completions body, "
                    + "{\"model\", \"messages\": [...]}; a body with \"input\" goes to POST /v1/responses (OpenAI's "
                    + "Responses) or POST /v1/runs (Weft's own runs).", Map.of(), Map.of(OpenAiErrors.PARAM, "input"));
        }
        checkFields(body, MAPPED, IGNORED, Map.of());
        String model = text(body, "model");
        ModelNames.Target target = target(model, models);
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.intValue() == 1)) {
            throw OpenAiErrors.invalid("n", "'n' is " + n + ", but Weft answers with one choice: leave 'n' out or set it to 1.");
        }
        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) throw OpenAiErrors.invalid("stream_options", "'stream_options' must be an object.");
            if (!stream) throw OpenAiErrors.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true.");
            includeUsage = bool(options, "include_usage");
        }
        var conversation = new Conversation(body.get("messages"));
        List<ToolDeclaration> tools = tools(body.get("tools"), limits, true);
        ToolChoice choice = toolChoice(body.get("tool_choice"), tools, true);
        var functions = new LinkedHashSet<String>();
        tools.forEach(t -> functions.add(t.name()));

        var run = new RunRequest(conversation.input(), target.workflow(),
                new RunRequest.Conversation(null, conversation.history(), null),
                new RunRequest.Model(target.provider(), target.model(), conversation.system(), maxTokens(body, limits.maxTokens()),
                        sampling(body)),
                List.of(), new RunRequest.Tooling(tools, choice, true), new RunRequest.Delivery(stream, false, OnDisconnect.GRACE),
                null);
        return new ChatRequest(run, model, stream, includeUsage, functions);
    }

    /**
     * Refuses what OpenAI would: a field it does not have, one of the {@code ignored} of the
     * wrong type; and what Weft cannot honour ({@code unsupported}, with why). {@code mapped}
     * fields are each checked where they are read.
     */
    static void checkFields(JsonNode body, Set<String> mapped, Map<String, String> ignored, Map<String, String> unsupported) {
        for (var field : body.properties()) {
            String name = field.getKey();
            if (mapped.contains(name)) continue;
            String why = unsupported.get(name);
            if (why != null && !field.getValue().isNull()) {
                throw new HttpError(400, "invalid_request", "'" + name + "' is not supported here: " + why + ".",
                        Map.of(), Map.of(OpenAiErrors.PARAM, name, OpenAiErrors.CODE, "unsupported_parameter"));
            }
            String type = ignored.get(name);
            if (type == null && why == null) {
                throw new HttpError(400, "invalid_request", "Unrecognized request argument supplied: " + name,
                        Map.of(), Map.of(OpenAiErrors.PARAM, name, OpenAiErrors.CODE, "unknown_parameter"));
            }
            if (type != null && !field.getValue().isNull() && !hasType(field.getValue(), type)) {
                throw OpenAiErrors.invalid(name, "Invalid type for '" + name + "': expected " + article(type)
                        + ", but got " + typeOf(field.getValue()) + ".");
            }
        }
    }

    /** What the request's {@code model} names; it is required. */
    static ModelNames.Target target(String model, ModelNames models) {
        if (model == null || model.isBlank()) {
            throw OpenAiErrors.invalid("model", "Missing required parameter: 'model'. Name a model (GET /v1/models lists them).");
        }
        return models.resolve(model);
    }

    /** {@code messages}, read into the system prompt, the history before the input, and the input. */
    private static final class Conversation {
        private final StringBuilder system = new StringBuilder();
        private final List<ChatMessage> history = new ArrayList<>();
        private String input;

        Conversation(JsonNode messages) {
            if (messages == null || messages.isNull()) {
                throw OpenAiErrors.invalid("messages", "Missing required parameter: 'messages'.");
            }
            if (!messages.isArray() || messages.isEmpty()) {
                throw OpenAiErrors.invalid("messages", "'messages' must be a non-empty array of {\"role\", \"content\"}.");
            }
            Map<String, String> open = new HashMap<>(); // calls of the last assistant message without a result yet: id → name
            for (int i = 0; i < messages.size(); i++) {
                String where = "messages[" + i + "]";
                JsonNode m = messages.get(i);
                if (!m.isObject()) throw OpenAiErrors.invalid(where, "'" + where + "' must be an object {\"role\", \"content\"}.");
                String role = text(m, "role");
                if (role == null) throw OpenAiErrors.invalid(where + ".role", "Missing required parameter: '" + where + ".role'.");
                switch (role) {
                    case "system", "developer" -> {
                        if (!system.isEmpty()) system.append("\n\n");
                        system.append(content(m, where, false));
                    }
                    case "user" -> {
                        history.add(ChatMessage.user(content(m, where, false)));
                        open.clear();
                    }
                    case "assistant" -> {
                        var calls = calls(m, where);
                        open.clear();
                        calls.forEach(c -> open.put(c.id(), c.name()));
                        history.add(ChatMessage.assistant(content(m, where, true), calls));
                    }
                    case "tool" -> {
                        String callId = text(m, "tool_call_id");
                        if (callId == null) {
                            throw OpenAiErrors.invalid(where + ".tool_call_id", "Missing required parameter: '" + where + ".tool_call_id'.");
                        }
                        String name = open.remove(callId);
                        if (name == null) {
                            throw OpenAiErrors.invalid(where, "Invalid parameter: messages with role 'tool' must be a response to a "
                                    + "preceding message with 'tool_calls'; '" + where + "' answers '" + callId
                                    + "', which the assistant message before it did not call (or another tool message answered).");
                        }
                        history.add(ChatMessage.tool(new ToolResult(callId, name, content(m, where, false), false)));
                    }
                    default -> throw OpenAiErrors.invalid(where + ".role", "Invalid value: '" + role
                            + "'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.");
                }
            }
            ChatMessage last = history.isEmpty() ? null : history.getLast();
            if (last == null || last.role() == ChatMessage.Role.ASSISTANT) {
                throw OpenAiErrors.invalid("messages", "The last message must be the user's (or the results of the "
                        + "assistant's tool calls): Weft answers it, and there is " + (last == null ? "none." : "an assistant's last."));
            }
            if (last.role() == ChatMessage.Role.USER) input = history.removeLast().content();
            if (!open.isEmpty() && last.role() == ChatMessage.Role.TOOL) {
                throw OpenAiErrors.invalid("messages", "The assistant's tool calls " + open.keySet() + " have no tool message "
                        + "with their result; send one for every call (role 'tool', with its 'tool_call_id').");
            }
            if (input != null && input.isBlank() && history.isEmpty()) {
                throw OpenAiErrors.invalid("messages", "The user's message is empty: send what the model is to answer.");
            }
        }

        String input() { return input; }

        String system() { return system.isEmpty() ? null : system.toString(); }

        List<ChatMessage> history() { return history; }
    }

    /** A message's text: a string, or an array of text parts (an assistant's may be null, or hold refusals). */
    private static String content(JsonNode m, String where, boolean assistant) {
        JsonNode c = m.get("content");
        if (c == null || c.isNull()) {
            if (assistant) return "";
            throw OpenAiErrors.invalid(where + ".content", "Missing required parameter: '" + where + ".content'.");
        }
        if (c.isTextual()) return c.textValue();
        if (!c.isArray()) throw OpenAiErrors.invalid(where + ".content", "'" + where + ".content' must be a string or an array of content parts.");
        var text = new StringBuilder();
        for (int i = 0; i < c.size(); i++) {
            JsonNode part = c.get(i);
            String type = part.path("type").asText("");
            String field = type.equals("refusal") && assistant ? "refusal" : "text";
            if (!type.equals("text") && !field.equals("refusal")) {
                throw OpenAiErrors.invalid(where + ".content[" + i + "].type", "Content parts of type '" + type
                        + "' are not supported: Weft's models read text, so send parts of type 'text'.");
            }
            if (!part.path(field).isTextual()) {
                throw OpenAiErrors.invalid(where + ".content[" + i + "]." + field, "Missing required parameter: '" + where
                        + ".content[" + i + "]." + field + "'.");
            }
            text.append(part.get(field).textValue());
        }
        return text.toString();
    }

    private static List<ToolCall> calls(JsonNode m, String where) {
        JsonNode calls = m.get("tool_calls");
        if (calls == null || calls.isNull()) return List.of();
        if (!calls.isArray()) throw OpenAiErrors.invalid(where + ".tool_calls", "'" + where + ".tool_calls' must be an array.");
        var result = new ArrayList<ToolCall>();
        for (int i = 0; i < calls.size(); i++) {
            String at = where + ".tool_calls[" + i + "]";
            JsonNode call = calls.get(i);
            String id = text(call, "id");
            JsonNode function = call.path("function");
            String name = text(function, "name");
            String arguments = text(function, "arguments");
            if (id == null || name == null || arguments == null) {
                throw OpenAiErrors.invalid(at, "'" + at + "' must be {\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\"}}.");
            }
            result.add(new ToolCall(id, name, arguments));
        }
        return result;
    }

    /**
     * OpenAI's function {@code tools}: nested as Chat Completions has them, {@code {"type":"function",
     * "function":{"name","description","parameters","strict"}}}, or flat as Responses has them,
     * {@code {"type":"function","name","description","parameters","strict"}}.
     */
    static List<ToolDeclaration> tools(JsonNode tools, RunRequestReader.Limits limits, boolean nested) {
        if (tools == null || tools.isNull()) return List.of();
        if (!tools.isArray()) throw OpenAiErrors.invalid("tools", "'tools' must be an array of function tools.");
        if (tools.size() > limits.maxTools()) {
            throw OpenAiErrors.invalid("tools", "'tools' has " + tools.size() + " tools; this server takes at most "
                    + limits.maxTools() + " (WEFT_MAX_TOOLS).");
        }
        var declared = new ArrayList<ToolDeclaration>();
        var names = new LinkedHashSet<String>();
        for (int i = 0; i < tools.size(); i++) {
            String where = "tools[" + i + "]";
            JsonNode tool = tools.get(i);
            String type = tool.path("type").asText("");
            if (nested && (!type.equals("function") || !tool.path("function").isObject())) {
                throw OpenAiErrors.invalid(where, "'" + where + "' must be {\"type\": \"function\", \"function\": "
                        + "{\"name\", \"description\", \"parameters\"}}: Weft serves function tools.");
            }
            if (!type.equals("function")) {
                throw OpenAiErrors.invalid(where + ".type", "Tools of type '" + type + "' are not supported: Weft serves "
                        + "function tools, {\"type\": \"function\", \"name\", \"description\", \"parameters\"}.");
            }
            JsonNode function = nested ? tool.get("function") : tool;
            String at = nested ? where + ".function" : where;
            ToolDeclaration.Function f;
            try {
                f = RunRequestReader.function(function, text(function, "description"), at);
            } catch (HttpError wrong) {
                throw OpenAiErrors.invalid(at, wrong.getMessage());
            }
            if (!names.add(f.name())) {
                throw OpenAiErrors.invalid(where, "The tool name '" + f.name() + "' is used twice; tool names must be unique.");
            }
            declared.add(f);
        }
        return declared;
    }

    /** {@code auto} (the default), {@code none}, {@code required} or one function by name, nested or flat as in {@link #tools}. */
    static ToolChoice toolChoice(JsonNode choice, List<ToolDeclaration> tools, boolean nested) {
        if (choice == null || choice.isNull()) return ToolChoice.AUTO;
        if (choice.isTextual()) {
            switch (choice.textValue()) {
                case "auto" -> { return ToolChoice.AUTO; }
                case "none" -> { return ToolChoice.NONE; }
                case "required" -> {
                    if (tools.isEmpty()) throw OpenAiErrors.invalid("tool_choice", "'tool_choice' is 'required', but there are no 'tools'.");
                    return ToolChoice.REQUIRED;
                }
                default -> { }
            }
        }
        String name = (nested ? choice.path("function") : choice).path("name").textValue();
        if (!"function".equals(choice.path("type").textValue()) || name == null) {
            throw OpenAiErrors.invalid("tool_choice", "'tool_choice' must be 'auto', 'none', 'required' or "
                    + (nested ? "{\"type\": \"function\", \"function\": {\"name\": …}}." : "{\"type\": \"function\", \"name\": …}."));
        }
        if (tools.stream().noneMatch(t -> t.name().equals(name))) {
            throw OpenAiErrors.invalid("tool_choice", "'tool_choice' names function '" + name + "', which is not in 'tools'.");
        }
        return new ToolChoice.Function(name);
    }

    private static Integer maxTokens(JsonNode body, int ceiling) {
        Integer completion = positive(body, "max_completion_tokens", ceiling);
        Integer legacy = positive(body, "max_tokens", ceiling);
        return completion != null ? completion : legacy;
    }

    static Integer positive(JsonNode body, String field, int ceiling) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || v.bigIntegerValue().signum() < 1) {
            throw OpenAiErrors.invalid(field, "Invalid '" + field + "': expected a whole number of at least 1, but got " + v + ".");
        }
        if (!v.canConvertToInt() || v.intValue() > ceiling) {
            throw OpenAiErrors.invalid(field, "'" + field + "' is " + v + "; this server allows at most " + ceiling + " (WEFT_MAX_TOKENS).");
        }
        return v.intValue();
    }

    private static Sampling sampling(JsonNode body) {
        Double temperature = number(body, "temperature", 0, 2);
        Double topP = number(body, "top_p", 0, 1);
        List<String> stop = new ArrayList<>();
        JsonNode s = body.get("stop");
        if (s != null && !s.isNull()) {
            if (s.isTextual()) stop.add(s.textValue());
            else if (s.isArray() && s.size() <= 4 && s.size() > 0) {
                for (JsonNode one : s) {
                    if (!one.isTextual()) throw OpenAiErrors.invalid("stop", "'stop' must be a string or an array of up to 4 strings.");
                    stop.add(one.textValue());
                }
            } else {
                throw OpenAiErrors.invalid("stop", "'stop' must be a string or an array of 1 to 4 strings.");
            }
        }
        return new Sampling(temperature, topP, stop, text(body, "user"));
    }

    static Double number(JsonNode body, String field, double min, double max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw OpenAiErrors.invalid(field, "Invalid type for '" + field + "': expected a decimal, but got " + typeOf(v) + ".");
        double d = v.doubleValue();
        if (d < min || d > max) {
            throw OpenAiErrors.invalid(field, "Invalid '" + field + "': decimal above maximum value. Expected a value <= "
                    + trim(max) + " and >= " + trim(min) + ", but got " + v + " instead.");
        }
        return d;
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw OpenAiErrors.invalid(field, "Invalid type for '" + field + "': expected a string, but got " + typeOf(v) + ".");
        return v.textValue();
    }

    static boolean bool(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw OpenAiErrors.invalid(field, "Invalid type for '" + field + "': expected a boolean, but got " + typeOf(v) + ".");
        return v.booleanValue();
    }

    static boolean hasType(JsonNode v, String type) {
        return switch (type) {
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "string" -> v.isTextual();
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            default -> true;
        };
    }

    static String typeOf(JsonNode v) {
        return v.isTextual() ? "a string" : v.isNumber() ? "a number" : v.isBoolean() ? "a boolean"
                : v.isArray() ? "an array" : v.isObject() ? "an object" : "null";
    }

    static String article(String type) {
        return (type.startsWith("a") || type.startsWith("o") ? "an " : "a ") + type;
    }
}
