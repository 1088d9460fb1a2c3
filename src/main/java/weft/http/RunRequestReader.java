package weft.http;

import weft.providers.ToolSpec;
import weft.tools.ToolDeclaration;

import com.fasterxml.jackson.databind.JsonNode;
import weft.providers.Document;
import weft.runs.OnDisconnect;
import weft.runs.RunRequest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a {@code POST /v1/runs} body into a {@link RunRequest}, refusing anything the
 * contract does not allow with a message that names the field and what it should be.
 * Unknown fields are refused too: a typo such as {@code "strem":false} would otherwise be
 * silently ignored.
 */
public final class RunRequestReader {
    private static final Set<String> FIELDS = Set.of("input", "workflow", "session_id", "provider", "model",
            "system", "documents", "max_tokens", "stream", "background", "on_disconnect", "tools");
    /** The names providers accept for a function: OpenAI's rule, the strictest of the three. */
    private static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** Longer than any id Weft makes ({@code s_} and 22 characters), short enough to log and key by. */
    static final int MAX_ID_CHARS = 64;

    /**
     * What one request may ask for: {@code WEFT_MAX_DOCUMENTS}, {@code WEFT_MAX_DOCUMENT_CHARS},
     * {@code WEFT_MAX_TOKENS}, {@code WEFT_MAX_TOOLS}, and the server tools there are.
     */
    public record Limits(int maxDocuments, int maxDocumentChars, int maxTokens, int maxTools, List<String> serverTools) {
        Limits(int maxDocuments, int maxDocumentChars, int maxTokens) {
            this(maxDocuments, maxDocumentChars, maxTokens, 32, List.of());
        }
    }

    private RunRequestReader() {}

    public static RunRequest read(JsonNode body, Limits limits) {
        JsonBody.onlyFields(body, FIELDS, "", "the fields are " + String.join(", ", FIELDS.stream().sorted().toList()));
        String input = string(body, "input");
        if (input == null) throw HttpError.invalid("'input' is required: the user's message, e.g. {\"input\":\"Hello\"}");
        if (input.isBlank()) throw HttpError.invalid("'input' is empty: send the user's message");
        boolean background = bool(body, "background", false);
        String policy = string(body, "on_disconnect");
        OnDisconnect onDisconnect = policy == null ? (background ? OnDisconnect.CONTINUE : OnDisconnect.GRACE) : switch (policy) {
            case "continue" -> OnDisconnect.CONTINUE;
            case "cancel" -> OnDisconnect.CANCEL;
            case "grace" -> OnDisconnect.GRACE;
            default -> throw HttpError.invalid("'on_disconnect' is '" + policy + "'; use continue, cancel or grace");
        };
        String workflow = string(body, "workflow");
        String sessionId = string(body, "session_id");
        if (sessionId != null && sessionId.length() > MAX_ID_CHARS) {
            throw HttpError.invalid("'session_id' has " + sessionId.length() + " characters; session ids have at most "
                    + MAX_ID_CHARS + ": send the session_id a run answered with");
        }
        var model = new RunRequest.Model(lower(string(body, "provider")), string(body, "model"), string(body, "system"),
                maxTokens(body.get("max_tokens"), limits.maxTokens()), null);
        return new RunRequest(input, workflow == null ? "chat" : workflow, RunRequest.Conversation.inSession(sessionId), model,
                documents(body.get("documents"), limits), new RunRequest.Tooling(tools(body.get("tools"), limits), null, false),
                new RunRequest.Delivery(bool(body, "stream", true), background, onDisconnect), null);
    }

    /** {@code "tools"}: server tools by name and function tools the client runs, each name once. */
    private static List<ToolDeclaration> tools(JsonNode v, Limits limits) {
        if (v == null || v.isNull()) return List.of();
        if (!v.isArray()) throw HttpError.invalid("'tools' must be an array of server tool names (" + String.join(", ", limits.serverTools())
                + ") and function tools {\"type\":\"function\",\"name\",\"description\",\"parameters\"}");
        if (v.size() > limits.maxTools()) {
            throw HttpError.invalid("'tools' has " + v.size() + " tools; the limit is " + limits.maxTools() + " (WEFT_MAX_TOOLS)");
        }
        var tools = new ArrayList<ToolDeclaration>();
        var names = new HashSet<String>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode t = v.get(i);
            String where = "tools[" + i + "]";
            ToolDeclaration tool = t.isTextual() ? serverTool(t.textValue(), where, limits) : function(t, where);
            if (!names.add(tool.name())) throw HttpError.invalid("'" + where + "': the tool name '" + tool.name() + "' is used twice; tool names must be unique");
            tools.add(tool);
        }
        return tools;
    }

    private static ToolDeclaration serverTool(String name, String where, Limits limits) {
        if (!limits.serverTools().contains(name)) {
            throw HttpError.invalid("'" + where + "' is '" + name + "', which is not a server tool; the server tools are "
                    + String.join(", ", limits.serverTools()) + " (or declare a function tool as an object)");
        }
        return new ToolDeclaration.Server(name);
    }

    private static ToolDeclaration function(JsonNode t, String where) {
        if (!t.isObject()) throw HttpError.invalid("'" + where + "' must be a server tool's name or a function tool object, got " + t);
        JsonBody.onlyFields(t, Set.of("type", "name", "description", "parameters"), where + ".",
                "a function tool has type, name, description and parameters");
        if (!"function".equals(t.path("type").asText(null))) throw HttpError.invalid("'" + where + ".type' must be \"function\"");
        return function(t, string(t, "description"), where);
    }

    /**
     * A function tool's {@code name} and {@code parameters}, checked, read from {@code t}: a
     * Weft tool or, for the OpenAI formats, the {@code function} object of an OpenAI tool.
     */
    public static ToolDeclaration.Function function(JsonNode t, String description, String where) {
        JsonNode nameNode = t.get("name");
        String name = nameNode != null && nameNode.isTextual() ? nameNode.textValue() : null;
        if (name == null || !TOOL_NAME.matcher(name).matches()) {
            throw HttpError.invalid("'" + where + ".name' must be 1 to 64 letters, digits, '_' or '-', got " + t.get("name"));
        }
        JsonNode parameters = t.get("parameters");
        if (parameters == null || parameters.isNull()) {
            throw HttpError.invalid("'" + where + ".parameters' is required: a JSON Schema object such as {\"type\":\"object\",\"properties\":{}}");
        }
        if (!parameters.isObject() || !"object".equals(parameters.path("type").asText(null))) {
            throw HttpError.invalid("'" + where + ".parameters' must be a JSON Schema of \"type\": \"object\" (a function's arguments are an object)");
        }
        return new ToolDeclaration.Function(new ToolSpec(name, description, parameters));
    }

    private static String string(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw HttpError.invalid("'" + field + "' must be a string, got " + v);
        return v.textValue();
    }

    private static boolean bool(JsonNode body, String field, boolean fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isBoolean()) throw HttpError.invalid("'" + field + "' must be true or false, got " + v);
        return v.booleanValue();
    }

    private static Integer maxTokens(JsonNode v, int ceiling) {
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || v.bigIntegerValue().signum() < 1) {
            throw HttpError.invalid("'max_tokens' must be a whole number of at least 1, got " + v);
        }
        if (!v.canConvertToInt() || v.intValue() > ceiling) {
            throw HttpError.invalid("'max_tokens' is " + v + "; the limit is " + ceiling + " (WEFT_MAX_TOKENS)");
        }
        return v.intValue();
    }

    private static List<Document> documents(JsonNode v, Limits limits) {
        if (v == null || v.isNull()) return List.of();
        if (!v.isArray()) throw HttpError.invalid("'documents' must be an array of {\"id\",\"title\",\"text\"}, got " + v.getNodeType().name().toLowerCase(Locale.ROOT));
        if (v.size() > limits.maxDocuments()) {
            throw new HttpError(413, "too_large", "'documents' has " + v.size() + " documents; the limit is "
                    + limits.maxDocuments() + " (WEFT_MAX_DOCUMENTS)");
        }
        long chars = 0;
        var documents = new ArrayList<Document>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode d = v.get(i);
            String where = "documents[" + i + "]";
            if (!d.isObject()) throw HttpError.invalid("'" + where + "' must be an object {\"id\",\"title\",\"text\"}");
            JsonBody.onlyFields(d, Set.of("id", "title", "text"), where + ".", "a document has id, title and text");
            String text = string(d, "text");
            if (text == null) throw HttpError.invalid("'" + where + ".text' is required: the document's content");
            String id = string(d, "id");
            String title = string(d, "title");
            id = id == null ? Integer.toString(i + 1) : id;
            chars += text.length() + id.length() + (title == null ? 0 : title.length());
            if (chars > limits.maxDocumentChars()) {
                throw new HttpError(413, "too_large", "'documents' hold more than " + limits.maxDocumentChars()
                        + " characters (their ids, titles and texts together); the limit is " + limits.maxDocumentChars()
                        + " (WEFT_MAX_DOCUMENT_CHARS)");
            }
            documents.add(new Document(id, title == null ? id : title, text));
        }
        return documents;
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }
}
