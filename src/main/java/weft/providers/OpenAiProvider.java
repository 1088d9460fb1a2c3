package weft.providers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.json.Jackson;
import weft.sse.SseEvent;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * OpenAI's Chat Completions API, streamed, and every server that imitates it (Ollama, vLLM,
 * llama.cpp, OpenRouter …): point the base URL at one of those and leave the key out.
 *
 * <p>The answer is a stream of {@code data:} events, each a {@code chat.completion.chunk} whose
 * {@code choices[0].delta.content} is the next piece of text and {@code delta.tool_calls} the
 * next pieces of the calls the model makes, each named by its {@code index}. Asked for
 * {@code stream_options.include_usage}, OpenAI adds one last chunk with empty {@code choices}
 * and the usage; {@code data: [DONE]} ends the stream. A failure after the 200 has gone out
 * arrives as an {@code {"error":{…}}} object in the stream itself.
 *
 * <p>Sending, retrying, the idle timeout and reading the SSE off the socket are
 * {@link ProviderHttp}'s; this class only writes the request and reads the chunks.
 */
public final class OpenAiProvider implements Provider {
    private static final ObjectMapper JSON = Jackson.mapper();
    /** How much of a bad event an error message quotes. */
    private static final int QUOTE = 100;

    private final ProviderHttp http;
    private final URI endpoint;
    private final String apiKey;
    private final String defaultModel;
    private final String tokenLimitField;

    /**
     * @param baseUrl      as the official SDKs' {@code OPENAI_BASE_URL}, e.g. {@code https://api.openai.com/v1}
     *                     or {@code http://localhost:11434/v1} for Ollama
     * @param apiKey       null or blank for a local server that wants none: then no
     *                     {@code Authorization} header is sent at all
     * @param defaultModel the model used when a run names none
     */
    public OpenAiProvider(ProviderHttp http, String baseUrl, String apiKey, String defaultModel) {
        this.http = http;
        this.endpoint = endpoint(baseUrl);
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        this.defaultModel = defaultModel;
        this.tokenLimitField = tokenLimitField(endpoint);
    }

    private static URI endpoint(String baseUrl) {
        return URI.create(ProviderHttp.baseUrl("OPENAI_BASE_URL", baseUrl, "https://api.openai.com/v1") + "/chat/completions");
    }

    /**
     * The name of the output limit. OpenAI deprecated {@code max_tokens} for
     * {@code max_completion_tokens}, and its reasoning models (o1, o3, gpt-5 …) refuse a request
     * that carries {@code max_tokens} at all, so sending both is no way out. The servers that
     * imitate OpenAI read {@code max_tokens}; some of them (Ollama, llama.cpp builds before
     * 2026, LM Studio) ignore {@code max_completion_tokens}, which would silently lift the limit.
     * So: OpenAI itself (and Azure OpenAI) get the current name, every other server the one
     * they all understand.
     */
    static String tokenLimitField(URI endpoint) {
        String host = endpoint.getHost().toLowerCase(Locale.ROOT);
        boolean openAi = host.equals("api.openai.com") || host.endsWith(".openai.azure.com");
        return openAi ? "max_completion_tokens" : "max_tokens";
    }

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public String defaultModel() {
        return defaultModel;
    }

    @Override
    public void stream(ModelRequest request, PartSink sink) throws IOException, InterruptedException {
        ObjectNode body = body(request);
        var builder = HttpRequest.newBuilder(endpoint)
                .header("Accept", "text/event-stream")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (apiKey != null) builder.header("Authorization", "Bearer " + apiKey);

        var answer = new Answer(sink);
        if (!http.stream(name(), builder.build(), answer::onEvent)) {
            throw new ProviderException(ProviderException.Kind.PROTOCOL, "the stream from " + ProviderHttp.where(endpoint) + endpoint.getRawPath()
                    + " ended before [DONE]: the answer may be cut short");
        }
        answer.finish(promptText(body));
    }

    /** The Chat Completions request: the system message (with the documents), the history, the input. */
    private ObjectNode body(ModelRequest request) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", request.model());
        ArrayNode messages = body.putArray("messages");
        String system = request.systemWithSources();
        if (system != null) messages.addObject().put("role", "system").put("content", system);
        for (ChatMessage m : request.messages()) message(messages.addObject(), m);
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (ToolSpec spec : request.tools()) {
                ObjectNode function = tools.addObject().put("type", "function").putObject("function");
                function.put("name", spec.name());
                if (spec.description() != null) function.put("description", spec.description());
                if (spec.parameters() != null) function.set("parameters", spec.parameters());
            }
            toolChoice(body, request.toolChoice());
        }
        body.put("stream", true);
        // Without this OpenAI reports no usage at all in a streamed answer.
        body.putObject("stream_options").put("include_usage", true);
        if (request.maxTokens() != null) body.put(tokenLimitField, request.maxTokens());
        sampling(body, request.sampling());
        return body;
    }

    /**
     * Only what the run set, so each server's own defaults hold otherwise. OpenAI is replacing
     * {@code user} with {@code safety_identifier} and {@code prompt_cache_key} but still accepts
     * it, and the servers that imitate OpenAI know only {@code user}.
     */
    private static void sampling(ObjectNode body, Sampling sampling) {
        if (sampling.temperature() != null) body.put("temperature", sampling.temperature());
        if (sampling.topP() != null) body.put("top_p", sampling.topP());
        if (!sampling.stop().isEmpty()) {
            ArrayNode stop = body.putArray("stop");
            sampling.stop().forEach(stop::add);
        }
        if (sampling.user() != null) body.put("user", sampling.user());
    }

    /** {@code "auto"} is OpenAI's default, so it is left out, as every setting left to the server is. */
    private static void toolChoice(ObjectNode body, ToolChoice choice) {
        switch (choice) {
            case ToolChoice.Mode.AUTO -> { }
            case ToolChoice.Mode.NONE -> body.put("tool_choice", "none");
            case ToolChoice.Mode.REQUIRED -> body.put("tool_choice", "required");
            case ToolChoice.Function(String name) ->
                    body.putObject("tool_choice").put("type", "function").putObject("function").put("name", name);
        }
    }

    /**
     * One turn in OpenAI's shape. The assistant's tool calls go back with the ids OpenAI gave
     * them, and each result names the call it answers: OpenAI refuses a {@code tool} message
     * whose {@code tool_call_id} no preceding call has.
     */
    private static void message(ObjectNode out, ChatMessage m) {
        switch (m.role()) {
            case USER -> out.put("role", "user").put("content", m.content());
            case ASSISTANT -> {
                out.put("role", "assistant");
                if (m.toolCalls().isEmpty()) {
                    out.put("content", m.content());
                    return;
                }
                // An answer that only called tools has no text, and OpenAI writes that as null.
                if (m.content().isEmpty()) out.putNull("content");
                else out.put("content", m.content());
                ArrayNode calls = out.putArray("tool_calls");
                for (ToolCall call : m.toolCalls()) {
                    calls.addObject().put("id", call.id()).put("type", "function")
                            .putObject("function").put("name", call.name()).put("arguments", call.arguments());
                }
            }
            // OpenAI has no flag for a failed call: the error message is the content the model reads.
            case TOOL -> out.put("role", "tool").put("tool_call_id", m.result().callId()).put("content", m.content());
        }
    }

    /** Everything the model read, for estimating input tokens when the server reports none. */
    private static String promptText(ObjectNode body) {
        var text = new StringBuilder();
        body.path("messages").forEach(m -> {
            text.append(m.path("content").asText("")).append('\n');
            m.path("tool_calls").forEach(c -> text.append(c.path("function").path("arguments").asText("")).append('\n'));
        });
        return text.toString();
    }

    /** Reads one answer's chunks; lives for one call, on the provider's thread. */
    private static final class Answer {
        private final PartSink sink;
        private final StringBuilder text = new StringBuilder();
        private final StringBuilder arguments = new StringBuilder();
        /** Every call's id by its index: later fragments name only the index. */
        private final Map<Integer, String> ids = new HashMap<>();
        /** The calls not yet ended, by index: ended in index order, whatever order they were written in. */
        private final TreeMap<Integer, String> open = new TreeMap<>();
        private String finishReason;
        private Usage usage;

        Answer(PartSink sink) {
            this.sink = sink;
        }

        /** Returns false at {@code [DONE]}: the answer is complete. */
        boolean onEvent(SseEvent event) throws ProviderException {
            String data = event.data();
            if (data.strip().equals("[DONE]")) return false;
            // Some compatible servers name the event instead of wrapping the object.
            if (event.type().equals("error")) throw streamError(parse(data));
            OpenAiChunk chunk;
            try {
                chunk = OpenAiChunk.read(JSON, data);
            } catch (OpenAiChunk.NotAChunk e) {
                throw new ProviderException(ProviderException.Kind.PROTOCOL,
                        "openai sent an event that is not a JSON object: " + quote(data));
            }
            if (chunk.error() != null) throw streamError(chunk.error());
            if (chunk.content() != null && !chunk.content().isEmpty()) {
                text.append(chunk.content());
                sink.accept(new Part.Text(chunk.content()));
            }
            if (chunk.toolCalls() != null) chunk.toolCalls().forEach(this::toolCall);
            if (chunk.finishReason() != null) {
                finishReason = chunk.finishReason();
                if (finishReason.equals("content_filter")) {
                    throw new ProviderException(ProviderException.Kind.REFUSED, "openai's content filter stopped"
                            + " the answer (finish_reason content_filter) after " + text.length() + " characters");
                }
                endCalls();
            }
            // OpenAI sends usage in a chunk of its own; compatible servers may put it in the last
            // content chunk, or in every chunk (cumulative): the last one seen is the total.
            if (chunk.usage() != null) usage = chunk.usage();
            return true;
        }

        /** A whole event as a tree: only for an {@code error} event, which ends the answer anyway. */
        private JsonNode parse(String data) throws ProviderException {
            try {
                JsonNode chunk = JSON.readTree(data);
                if (chunk != null && chunk.isObject()) return chunk;
            } catch (JsonProcessingException notJson) {
                // reported below, with the data
            }
            throw new ProviderException(ProviderException.Kind.PROTOCOL,
                    "openai sent an event that is not a JSON object: " + quote(data));
        }

        private void toolCall(OpenAiChunk.ToolCallDelta delta) {
            String id = ids.get(delta.index());
            if (id == null) {
                // Some compatible servers send no id at all; the result must still name its call,
                // so Weft makes one up from the index, which is unique within the answer.
                id = delta.id() != null ? delta.id() : "call_" + delta.index();
                ids.put(delta.index(), id);
                open.put(delta.index(), id);
                sink.accept(new Part.ToolCallStart(id, delta.name() == null ? "" : delta.name()));
            } else if (!open.containsKey(delta.index())) {
                return; // a fragment after the finish reason ended the call would follow its ToolCallEnd
            }
            if (delta.arguments() != null && !delta.arguments().isEmpty()) {
                arguments.append(delta.arguments());
                sink.accept(new Part.ToolCallArguments(id, delta.arguments()));
            }
        }

        private void endCalls() {
            open.values().forEach(id -> sink.accept(new Part.ToolCallEnd(id)));
            open.clear();
        }

        /**
         * Ends the calls still open (a server may stop without a finish reason) and sends the
         * {@link Part.Finish}: with the server's usage, or an estimate when it never sent any.
         */
        void finish(String prompt) {
            endCalls();
            Usage counted = usage != null ? usage : new Usage(Usage.estimateTokens(prompt),
                    Usage.estimateTokens(text.toString()) + Usage.estimateTokens(arguments.toString()), true);
            sink.accept(new Part.Finish(finishReason, counted));
        }
    }

    /**
     * An {@code error} object inside a 200 stream, classified by its {@code type} or {@code code}
     * (OpenAI uses names such as {@code server_error}; OpenRouter puts the HTTP status in
     * {@code code}), carrying the provider's own message.
     */
    static ProviderException streamError(JsonNode error) {
        String type = error.path("type").asText("");
        String code = error.path("code").asText("");
        int status = error.path("code").isInt() ? error.path("code").asInt() : 0;
        String names = (type + " " + code).toLowerCase(Locale.ROOT);
        ProviderException.Kind kind;
        if (status == 429 || names.contains("rate_limit")) {
            kind = ProviderException.Kind.RATE_LIMITED;
        } else if (status >= 500 || names.contains("server_error") || names.contains("overloaded")
                || names.contains("unavailable") || names.contains("timeout")) {
            kind = ProviderException.Kind.UNAVAILABLE;
        } else if (status == 401 || status == 403 || names.contains("invalid_api_key") || names.contains("authentication")) {
            kind = ProviderException.Kind.AUTH;
        } else {
            kind = ProviderException.Kind.BAD_REQUEST;
        }
        String message = error.path("message").isTextual() ? error.path("message").asText() : quote(error.toString());
        String label = type.isEmpty() ? code : type;
        return new ProviderException(kind, "openai reported an error mid-answer"
                + (label.isEmpty() ? "" : " (" + label + ")") + ": " + message);
    }

    private static String quote(String data) {
        String oneLine = data.replace("\n", "\\n");
        return "'" + (oneLine.length() > QUOTE ? oneLine.substring(0, QUOTE) + "…" : oneLine) + "'";
    }
}
