package weft.aisdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.http.HttpError;
import weft.http.Json;
import weft.http.JsonBody;
import weft.http.RunRequestReader;
import weft.runs.RunRequest;
import weft.tools.ToolDeclaration;

import java.util.ArrayList;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns what the AI SDK's {@code DefaultChatTransport} posts ({@code id}, {@code messages},
 * {@code trigger}, {@code messageId}, plus whatever {@code useChat}'s {@code body} option adds)
 * into a run of the chat's session. Only the last user message is read: the session already
 * holds the conversation before it, so the client's copy of older messages is not trusted or
 * re-read. Weft's own fields are checked by {@link RunRequestReader}, so both paths refuse
 * the same things with the same words.
 */
final class UiChatRequestReader {
    /** Weft's fields a chat request may carry, as {@code POST /v1/runs} spells them. */
    private static final Set<String> WEFT_FIELDS = Set.of("workflow", "provider", "model", "system", "documents",
            "tools", "max_tokens", "on_disconnect");
    private static final Set<String> TRANSPORT_FIELDS = Set.of("id", "messages", "trigger", "messageId");
    /** Room for a UUID and then some; the id is hashed into the session id, so its length costs nothing later. */
    static final int MAX_CHAT_ID_CHARS = 128;

    /** A chat request: the client's chat id, and the run it asks for (its session not yet named). */
    record UiChat(String chatId, RunRequest run) {}

    private UiChatRequestReader() {}

    static UiChat read(JsonNode body, RunRequestReader.Limits limits) {
        if (!body.isObject()) throw HttpError.invalid("the body must be a JSON object, as the AI SDK's chat transport sends it");
        var allowed = new TreeSet<>(TRANSPORT_FIELDS);
        allowed.addAll(WEFT_FIELDS);
        JsonBody.onlyFields(body, allowed, "", "a chat request has " + String.join(", ", allowed));
        String chatId = chatId(body.get("id"));
        trigger(body.get("trigger"));
        String input = lastUserText(body.get("messages"));

        // Weft's fields go through the run request's own reader, with the input taken from the messages.
        ObjectNode run = Json.object().put("input", input);
        WEFT_FIELDS.forEach(field -> { if (body.has(field)) run.set(field, body.get(field)); });
        RunRequest read = RunRequestReader.read(run, limits);
        for (ToolDeclaration tool : read.tooling().tools()) {
            if (!(tool instanceof ToolDeclaration.Server)) {
                throw HttpError.invalid("'tools' may name only server tools (" + String.join(", ", limits.serverTools())
                        + ") in a chat: a function tool '" + tool.name() + "' would wait for POST /v1/runs/{id}/tool_results, "
                        + "which the AI SDK's chat does not send");
            }
        }
        return new UiChat(chatId, read);
    }

    private static String chatId(JsonNode v) {
        if (v == null || v.isNull()) throw HttpError.invalid("'id' is required: the chat's id, which useChat sends");
        if (!v.isTextual() || v.textValue().isBlank()) throw HttpError.invalid("'id' must be a non-empty string, got " + v);
        String id = v.textValue();
        if (id.length() > MAX_CHAT_ID_CHARS) {
            throw HttpError.invalid("'id' has " + id.length() + " characters; a chat id has at most " + MAX_CHAT_ID_CHARS);
        }
        return id;
    }

    private static void trigger(JsonNode v) {
        if (v == null || v.isNull()) return;
        String trigger = v.isTextual() ? v.textValue() : null;
        if ("submit-message".equals(trigger)) return;
        if ("regenerate-message".equals(trigger)) {
            // Replacing an answer would rewrite the session, which only ever grows.
            throw HttpError.invalid("'trigger' is 'regenerate-message', which Weft does not do: a chat's session is "
                    + "append-only, so an answer it holds cannot be replaced; send the question again as a new message, "
                    + "or start a new chat (a new id)");
        }
        throw HttpError.invalid("'trigger' must be \"submit-message\" (or \"regenerate-message\", which Weft refuses), got " + v);
    }

    /** The text parts of the last message, which must be the user's, joined by newlines. */
    private static String lastUserText(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw HttpError.invalid("'messages' must be a non-empty array of UI messages, the last one the user's");
        }
        JsonNode last = messages.get(messages.size() - 1);
        String where = "messages[" + (messages.size() - 1) + "]";
        if (!last.isObject()) throw HttpError.invalid("'" + where + "' must be a UI message {\"id\",\"role\",\"parts\"}");
        String role = last.path("role").asText("");
        if (!role.equals("user")) {
            throw HttpError.invalid("'" + where + ".role' is '" + role + "'; the last message must be the user's: "
                    + "Weft runs its tools itself, so a chat never sends tool results back");
        }
        JsonNode parts = last.get("parts");
        if (parts == null || !parts.isArray()) throw HttpError.invalid("'" + where + ".parts' must be an array of parts");
        var texts = new ArrayList<String>();
        for (int i = 0; i < parts.size(); i++) {
            JsonNode part = parts.get(i);
            String type = part.path("type").asText("");
            if (type.equals("text")) {
                JsonNode text = part.get("text");
                if (text == null || !text.isTextual()) throw HttpError.invalid("'" + where + ".parts[" + i + "].text' must be a string");
                texts.add(text.textValue());
            } else if (type.equals("file")) {
                // Answering as if the file were not there would mislead the user.
                throw HttpError.invalid("'" + where + ".parts[" + i + "]' is a file; Weft's runs take text only");
            }
            // Other parts (the app's data-* parts, step markers) say nothing to the model.
        }
        String input = String.join("\n", texts);
        if (input.isBlank()) throw HttpError.invalid("'" + where + "' has no text: send the user's message as a text part");
        return input;
    }
}
