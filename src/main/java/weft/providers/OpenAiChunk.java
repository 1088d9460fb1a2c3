package weft.providers;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What Weft needs of one {@code chat.completion.chunk}, read token by token:
 * <pre>{"id":"…","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"usage":null}</pre>
 * The first choice's {@code delta.content}, {@code delta.tool_calls} and {@code finish_reason},
 * the {@code usage}, an {@code error}. Everything else is skipped without being built: a chunk
 * is parsed for every token of every streamed answer, and a tree of it would be thrown away at once.
 *
 * @param content      the text of choice 0, or null
 * @param toolCalls    choice 0's tool-call fragments in the order sent, or null when it has none
 * @param finishReason choice 0's finish reason, or null while the answer goes on
 * @param usage        the chunk's usage, or null (OpenAI sends it in a chunk of its own)
 * @param error        an {@code error} object inside the stream, or null
 */
record OpenAiChunk(String content, List<ToolCallDelta> toolCalls, String finishReason, Usage usage, JsonNode error) {

    /**
     * One element of {@code delta.tool_calls}: {@code index} says which call it continues; the
     * first fragment of a call carries its {@code id} and {@code name}, the others only a piece
     * of {@code arguments}. Absent fields are null.
     */
    record ToolCallDelta(int index, String id, String name, String arguments) {}

    /** Thrown for data that is not one JSON object. */
    static final class NotAChunk extends Exception {
        NotAChunk(String message) {
            super(message, null, false, false);
        }
    }

    static OpenAiChunk read(ObjectMapper json, String data) throws NotAChunk {
        try (JsonParser p = json.createParser(data)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new NotAChunk("not a JSON object");
            var chunk = new Builder();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "choices" -> {
                        if (value != JsonToken.START_ARRAY) p.skipChildren();
                        else while (p.nextToken() == JsonToken.START_OBJECT) choice(p, chunk);
                    }
                    case "usage" -> {
                        if (value == JsonToken.START_OBJECT) chunk.usage = usage(p);
                        else p.skipChildren();
                    }
                    case "error" -> {
                        if (value != JsonToken.VALUE_NULL) chunk.error = json.readTree(p);
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) throw new NotAChunk("more than one JSON value");
            return new OpenAiChunk(chunk.content, chunk.toolCalls, chunk.finishReason, chunk.usage, chunk.error);
        } catch (IOException malformed) {
            throw new NotAChunk("not JSON: " + malformed.getMessage());
        }
    }

    private static final class Builder {
        String content;
        List<ToolCallDelta> toolCalls;
        String finishReason;
        Usage usage;
        JsonNode error;
    }

    /** One element of {@code choices}; with n = 1 there is one, index 0, and any other is not this answer. */
    private static void choice(JsonParser p, Builder chunk) throws IOException {
        int index = 0;
        String content = null;
        List<ToolCallDelta> calls = null;
        String finish = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "index" -> index = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : 0;
                case "delta" -> {
                    if (value != JsonToken.START_OBJECT) {
                        p.skipChildren();
                        continue;
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        JsonToken v = p.nextToken();
                        if (name.equals("content") && v == JsonToken.VALUE_STRING) content = p.getText();
                        else if (name.equals("tool_calls") && v == JsonToken.START_ARRAY) calls = toolCalls(p);
                        else p.skipChildren();
                    }
                }
                case "finish_reason" -> finish = value == JsonToken.VALUE_STRING ? p.getText() : null;
                default -> p.skipChildren();
            }
        }
        if (index != 0) return;
        if (content != null) chunk.content = chunk.content == null ? content : chunk.content + content;
        if (calls != null) {
            if (chunk.toolCalls == null) chunk.toolCalls = calls;
            else chunk.toolCalls.addAll(calls);
        }
        if (finish != null) chunk.finishReason = finish;
    }

    /** The elements of a {@code tool_calls} array, the parser at its start; null if it is empty. */
    private static List<ToolCallDelta> toolCalls(JsonParser p) throws IOException {
        List<ToolCallDelta> calls = null;
        JsonToken element;
        while ((element = p.nextToken()) != JsonToken.END_ARRAY) {
            if (element != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            int index = 0;
            String id = null;
            String name = null;
            String arguments = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "index" -> index = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : 0;
                    case "id" -> id = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "function" -> {
                        if (value != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            continue;
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String part = p.currentName();
                            JsonToken v = p.nextToken();
                            if (v != JsonToken.VALUE_STRING) p.skipChildren();
                            else if (part.equals("name")) name = p.getText();
                            else if (part.equals("arguments")) arguments = p.getText();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (calls == null) calls = new ArrayList<>(1);
            calls.add(new ToolCallDelta(index, id, name, arguments));
        }
        return calls;
    }

    private static Usage usage(JsonParser p) throws IOException {
        long prompt = 0;
        long completion = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            boolean number = value == JsonToken.VALUE_NUMBER_INT;
            switch (field) {
                case "prompt_tokens" -> prompt = number ? p.getLongValue() : 0;
                case "completion_tokens" -> completion = number ? p.getLongValue() : 0;
                default -> p.skipChildren();
            }
        }
        return new Usage(prompt, completion, false);
    }
}
