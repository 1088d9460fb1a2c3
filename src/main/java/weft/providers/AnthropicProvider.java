package weft.providers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.sse.SseEvent;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Anthropic's Messages API, streamed: {@code POST {base}/v1/messages} with {@code "stream": true}.
 *
 * <p>The answer is a sequence of named events, each repeating its name in the JSON {@code type}:
 * {@code message_start} (the message's id, model and the input usage), then for each content
 * block {@code content_block_start}, {@code content_block_delta}s and {@code content_block_stop},
 * then {@code message_delta} (the stop reason and the usage so far) and {@code message_stop}.
 * Only {@code text_delta}s are the answer: thinking, signatures and tool input are other block
 * types, which Weft does not show. {@code ping}s keep the connection busy, and an {@code error}
 * event (most often {@code overloaded_error}) can arrive after text has streamed.
 *
 * <p>A call that fails part-way throws, and an exception carries no usage, so the run reports
 * an estimate ({@code "estimated": true}) even when Anthropic had sent running totals: those
 * count tokens generated, not the tokens the client actually received.
 *
 * <p>Sending, retrying, the idle timeout and reading the SSE off the socket are
 * {@link ProviderHttp}'s; this class only writes the request and reads the events.
 */
public final class AnthropicProvider implements Provider {
    private static final String NAME = "anthropic";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The API version Weft is written against; Anthropic keeps old versions' behaviour stable. */
    private static final String API_VERSION = "2023-06-01";
    /**
     * Anthropic, unlike OpenAI and Gemini, refuses a request without {@code max_tokens}. A run that
     * sets no limit gets this one: long enough for any chat answer, and accepted by every current model.
     */
    static final int DEFAULT_MAX_TOKENS = 4096;
    /** How much of a bad event an error message quotes. */
    private static final int QUOTE = 200;
    /** The events Weft reads; any other name is a newer addition to the API, skipped unread. */
    private static final Set<String> KNOWN = Set.of("message_start", "content_block_start", "content_block_delta",
            "content_block_stop", "message_delta", "message_stop", "error");

    private final ProviderHttp http;
    private final URI endpoint;
    private final String apiKey;
    private final String defaultModel;

    /**
     * @param baseUrl      as the official SDKs' {@code ANTHROPIC_BASE_URL}, without the version:
     *                     {@code https://api.anthropic.com}, or a test's mock
     * @param apiKey       sent as {@code x-api-key}; when blank none is sent, and Anthropic's 401 says so
     * @param defaultModel the model used when a run names none
     */
    public AnthropicProvider(ProviderHttp http, String baseUrl, String apiKey, String defaultModel) {
        this.http = http;
        this.endpoint = endpoint(baseUrl);
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        this.defaultModel = defaultModel;
    }

    private static URI endpoint(String baseUrl) {
        return URI.create(ProviderHttp.baseUrl("ANTHROPIC_BASE_URL", baseUrl, "https://api.anthropic.com") + "/v1/messages");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String defaultModel() {
        return defaultModel;
    }

    @Override
    public void stream(ModelRequest request, PartSink sink) throws IOException, InterruptedException {
        ObjectNode body = body(request, defaultModel);
        var builder = HttpRequest.newBuilder(endpoint)
                .header("anthropic-version", API_VERSION)
                .header("content-type", "application/json")
                .header("accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (apiKey != null) builder.header("x-api-key", apiKey);

        var answer = new Answer(sink);
        if (!http.stream(NAME, builder.build(), answer)) {
            throw new ProviderException(ProviderException.Kind.PROTOCOL, "the stream from " + ProviderHttp.where(endpoint) + endpoint.getRawPath()
                    + " ended before message_stop, after " + answer.text.length() + " characters of text:"
                    + " the answer may be cut short");
        }
        sink.accept(answer.finish(promptText(body)));
    }

    /** The Messages request: model, limit, the system prompt (with the documents), the conversation. */
    static ObjectNode body(ModelRequest request, String defaultModel) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", request.model() != null ? request.model() : defaultModel);
        body.put("max_tokens", request.maxTokens() != null ? request.maxTokens() : DEFAULT_MAX_TOKENS);
        body.put("stream", true);
        // Anthropic has no "system" role: the system prompt is a top-level field.
        String system = request.systemWithSources();
        if (system != null) body.put("system", system);
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : alternating(request.messages())) {
            messages.addObject().put("role", m.role() == ChatMessage.Role.USER ? "user" : "assistant")
                    .put("content", m.content());
        }
        return body;
    }

    /**
     * The conversation as Anthropic accepts it: user first, then strictly alternating roles, and
     * no empty text. A stored answer that failed before its first token is empty, so it is left
     * out, which puts two user turns in a row; turns in a row with the same role are merged into
     * one, separated by a blank line, so nothing the user said is lost. An assistant turn before
     * the first user turn (history cannot start that way, but a request could) is dropped: there
     * is no question it answers. The last message, the user's new input, is always kept, so that
     * an empty input gets Anthropic's own 400 rather than a silently different conversation.
     */
    static List<ChatMessage> alternating(List<ChatMessage> messages) {
        var result = new ArrayList<ChatMessage>();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            boolean last = i == messages.size() - 1;
            if (!last && (m.content() == null || m.content().isBlank())) continue;
            if (result.isEmpty() && m.role() != ChatMessage.Role.USER) continue;
            ChatMessage previous = result.isEmpty() ? null : result.getLast();
            if (previous != null && previous.role() == m.role()) {
                String joined = m.content() == null || m.content().isBlank() ? previous.content()
                        : previous.content() + "\n\n" + m.content();
                result.set(result.size() - 1, new ChatMessage(m.role(), joined));
            } else {
                result.add(new ChatMessage(m.role(), m.content() == null ? "" : m.content()));
            }
        }
        return result;
    }


    /** Everything the model read, for estimating input tokens when Anthropic reports none. */
    private static String promptText(ObjectNode body) {
        var text = new StringBuilder(body.path("system").asText(""));
        body.path("messages").forEach(m -> text.append('\n').append(m.path("content").asText()));
        return text.toString();
    }

    /** Reads one answer's events; lives for one call, on the provider's thread. */
    private static final class Answer implements ProviderHttp.EventHandler {
        private final PartSink sink;
        private final StringBuilder text = new StringBuilder();
        private String stopReason;
        // Each usage figure is a running total, so the latest value of each is the answer's.
        // Newer API versions repeat the input figures in message_delta; older ones send them only
        // in message_start. Fields absent from an event keep their previous value.
        private boolean usageReported;
        private long inputTokens;
        private long cacheCreationTokens;
        private long cacheReadTokens;
        private long outputTokens;

        Answer(PartSink sink) {
            this.sink = sink;
        }

        /** Returns false at {@code message_stop}: the answer is complete. */
        @Override
        public boolean onEvent(SseEvent event) throws ProviderException {
            // Dispatch on the SSE event name, as Anthropic's SDKs do. A proxy that drops the names
            // leaves every event a "message": then the JSON type, which always repeats it, decides.
            String type = event.type();
            if (!type.equals("message") && !KNOWN.contains(type)) {
                // ping, and (as Anthropic's versioning policy warns) event types added later.
                return true;
            }
            JsonNode json = parse(event.data());
            if (type.equals("message")) type = json.path("type").asText("");
            switch (type) {
                case "message_start" -> usage(json.path("message").path("usage"));
                case "content_block_start" -> {
                    // A text block starts empty in practice; should it ever carry text, that is answer too.
                    JsonNode block = json.path("content_block");
                    if (block.path("type").asText("").equals("text")) text(block.path("text"));
                }
                case "content_block_delta" -> {
                    JsonNode delta = json.path("delta");
                    // thinking_delta, signature_delta, input_json_delta, citations_delta …: not the answer.
                    if (delta.path("type").asText("").equals("text_delta")) text(delta.path("text"));
                }
                case "message_delta" -> {
                    usage(json.path("usage"));
                    JsonNode reason = json.path("delta").path("stop_reason");
                    if (reason.isTextual()) stopReason = reason.asText();
                    if ("refusal".equals(stopReason)) throw refused(json.path("delta").path("stop_details"));
                }
                case "message_stop" -> {
                    return false;
                }
                case "error" -> throw streamError(json.path("error"));
                default -> { } // content_block_stop, ping, or a new type in a stream without event names
            }
            return true;
        }

        private void text(JsonNode piece) {
            if (!piece.isTextual() || piece.asText().isEmpty()) return;
            String s = piece.asText();
            text.append(s);
            sink.accept(new Part.Text(s));
        }

        private void usage(JsonNode usage) {
            if (!usage.isObject()) return;
            usageReported = true;
            if (usage.path("input_tokens").isNumber()) inputTokens = usage.get("input_tokens").asLong();
            if (usage.path("cache_creation_input_tokens").isNumber()) {
                cacheCreationTokens = usage.get("cache_creation_input_tokens").asLong();
            }
            if (usage.path("cache_read_input_tokens").isNumber()) cacheReadTokens = usage.get("cache_read_input_tokens").asLong();
            if (usage.path("output_tokens").isNumber()) outputTokens = usage.get("output_tokens").asLong();
        }

        /**
         * Anthropic's usage, or an estimate from the text when it never sent any. Anthropic counts
         * tokens written to and read from its prompt cache apart from {@code input_tokens}; Weft's
         * input is everything the model read, as OpenAI's {@code prompt_tokens} and Gemini's
         * {@code promptTokenCount} are, so the three are added.
         */
        Part.Finish finish(String prompt) {
            Usage usage = usageReported
                    ? new Usage(inputTokens + cacheCreationTokens + cacheReadTokens, outputTokens, false)
                    : new Usage(Usage.estimateTokens(prompt), Usage.estimateTokens(text.toString()), true);
            return new Part.Finish(stopReason, usage);
        }

        private ProviderException refused(JsonNode details) {
            String explanation = details.path("explanation").textValue();
            String category = details.path("category").textValue();
            return new ProviderException(ProviderException.Kind.REFUSED, "anthropic declined to answer"
                    + " (stop_reason refusal" + (category == null ? "" : ", category " + category) + ") after "
                    + text.length() + " characters" + (explanation == null ? "" : ": " + explanation));
        }

        private static JsonNode parse(String data) throws ProviderException {
            try {
                JsonNode json = JSON.readTree(data);
                if (json != null && json.isObject()) return json;
            } catch (JsonProcessingException e) {
                throw new ProviderException(ProviderException.Kind.PROTOCOL, "anthropic sent an event that is not valid JSON ("
                        + e.getOriginalMessage() + "): " + quote(data), null, e);
            }
            throw new ProviderException(ProviderException.Kind.PROTOCOL,
                    "anthropic sent an event that is not a JSON object: " + quote(data));
        }
    }

    /**
     * An {@code error} event inside a 200 stream, classified by Anthropic's error type (the same
     * types its HTTP errors carry), passing on Anthropic's own message. A type Weft does not know
     * is treated as Anthropic's own trouble: that is what an error after a 200 almost always is.
     */
    static ProviderException streamError(JsonNode error) {
        String type = error.path("type").asText("");
        ProviderException.Kind kind = switch (type) {
            case "rate_limit_error" -> ProviderException.Kind.RATE_LIMITED;
            case "authentication_error", "permission_error", "billing_error" -> ProviderException.Kind.AUTH;
            case "invalid_request_error", "not_found_error", "request_too_large" -> ProviderException.Kind.BAD_REQUEST;
            case "timeout_error" -> ProviderException.Kind.TIMEOUT;
            default -> ProviderException.Kind.UNAVAILABLE; // overloaded_error, api_error, and anything new
        };
        String message = error.path("message").isTextual() ? error.path("message").asText() : quote(error.toString());
        return new ProviderException(kind, "anthropic reported an error mid-answer"
                + (type.isEmpty() ? "" : " (" + type + ")") + ": " + message);
    }

    private static String quote(String data) {
        String oneLine = data.replace("\n", "\\n");
        if (oneLine.length() <= QUOTE) return "'" + oneLine + "'";
        int end = Character.isHighSurrogate(oneLine.charAt(QUOTE - 1)) ? QUOTE - 1 : QUOTE; // never half a character
        return "'" + oneLine.substring(0, end) + "…' (" + data.length() + " characters)";
    }
}
