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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Anthropic's Messages API, streamed: {@code POST {base}/v1/messages} with {@code "stream": true}.
 *
 * <p>The answer is a sequence of named events, each repeating its name in the JSON {@code type}:
 * {@code message_start} (the message's id, model and the input usage), then for each content
 * block {@code content_block_start}, {@code content_block_delta}s and {@code content_block_stop},
 * then {@code message_delta} (the stop reason and the usage so far) and {@code message_stop}.
 * {@code text_delta}s are the answer's text. A {@code tool_use} block is a call: its
 * {@code input_json_delta}s are pieces of the arguments' JSON, cut anywhere, and blocks are
 * written one after another, each named by its {@code index} (a text block may come first).
 * Thinking, signatures and server-side tool blocks are not shown. {@code ping}s keep the
 * connection busy, and an {@code error} event (most often {@code overloaded_error}) can arrive
 * after text has streamed.
 *
 * <p>Anthropic holds a conversation to a stricter shape than OpenAI: the results of an
 * assistant turn's calls must all be in the very next user message, before anything else in
 * it, so Weft's one message per result becomes one {@code user} message of
 * {@code tool_result} blocks (see {@link #alternating}).
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
    private static final ObjectMapper JSON = Jackson.mapper();
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
        for (Turn turn : alternating(request.messages())) messages.add(turn.json());
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (ToolSpec spec : request.tools()) {
                ObjectNode tool = tools.addObject().put("name", spec.name());
                if (spec.description() != null) tool.put("description", spec.description());
                // Anthropic requires a schema even for a tool that takes nothing.
                if (spec.parameters() != null) tool.set("input_schema", spec.parameters());
                else tool.putObject("input_schema").put("type", "object");
            }
            toolChoice(body, request.toolChoice());
        }
        sampling(body, request.sampling());
        return body;
    }

    /**
     * OpenAI's choices under Anthropic's names: {@code required} is {@code any}, a named
     * function a {@code tool}. {@code auto} is the default and is left out.
     */
    private static void toolChoice(ObjectNode body, ToolChoice choice) {
        switch (choice) {
            case ToolChoice.Mode.AUTO -> { }
            case ToolChoice.Mode.NONE -> body.putObject("tool_choice").put("type", "none");
            case ToolChoice.Mode.REQUIRED -> body.putObject("tool_choice").put("type", "any");
            case ToolChoice.Function(String name) -> body.putObject("tool_choice").put("type", "tool").put("name", name);
        }
    }

    /**
     * Only what the run set. Both {@code temperature} and {@code top_p} go when both are set,
     * though Anthropic advises altering one of them, and newer models (Claude Sonnet 4.5 and
     * later, by users' reports) refuse the pair with a 400 that reaches the client as such:
     * which one to drop is the caller's choice, not something to decide silently here.
     */
    private static void sampling(ObjectNode body, Sampling sampling) {
        if (sampling.temperature() != null) body.put("temperature", sampling.temperature());
        if (sampling.topP() != null) body.put("top_p", sampling.topP());
        if (!sampling.stop().isEmpty()) {
            ArrayNode stop = body.putArray("stop_sequences");
            sampling.stop().forEach(stop::add);
        }
        if (sampling.user() != null) body.putObject("metadata").put("user_id", sampling.user());
    }

    /**
     * The conversation as Anthropic accepts it: user first, then strictly alternating roles, and
     * no empty text. A stored answer that failed before its first token is empty, so it is left
     * out, which puts two user turns in a row; turns in a row with the same role are merged into
     * one, separated by a blank line, so nothing the user said is lost. An assistant turn before
     * the first user turn (history cannot start that way, but a request could) is dropped: there
     * is no question it answers. The last message, the user's new input, is always kept, so that
     * an empty input gets Anthropic's own 400 rather than a silently different conversation.
     *
     * <p>Tool results are the user's side of the conversation: the results that follow an
     * assistant turn merge into one user turn, and a user message right after them (the answer
     * in between failed before its first token) joins that turn as text after the results. A
     * result is never left out, however empty: Anthropic refuses a {@code tool_use} whose
     * result is missing from the next message.
     */
    static List<Turn> alternating(List<ChatMessage> messages) {
        var result = new ArrayList<Turn>();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            boolean last = i == messages.size() - 1;
            boolean empty = m.role() != ChatMessage.Role.TOOL && m.toolCalls().isEmpty() && m.content().isBlank();
            if (!last && empty) continue;
            Turn turn = Turn.of(m);
            if (result.isEmpty() && turn.role() != ChatMessage.Role.USER) continue;
            if (!result.isEmpty() && result.getLast().role() == turn.role()) {
                result.set(result.size() - 1, result.getLast().and(turn));
            } else {
                result.add(turn);
            }
        }
        return result;
    }

    /**
     * One message as Anthropic takes it: a role ({@link ChatMessage.Role#USER} or
     * {@link ChatMessage.Role#ASSISTANT}), its text, and the calls an assistant turn made or the
     * results a user turn carries back.
     */
    record Turn(ChatMessage.Role role, String text, List<ToolCall> calls, List<ToolResult> results) {
        Turn {
            calls = List.copyOf(calls);
            results = List.copyOf(results);
        }

        /** A turn of plain text. */
        static Turn text(ChatMessage.Role role, String text) {
            return new Turn(role, text, List.of(), List.of());
        }

        static Turn of(ChatMessage m) {
            if (m.role() == ChatMessage.Role.TOOL) return new Turn(ChatMessage.Role.USER, "", List.of(), List.of(m.result()));
            return new Turn(m.role(), m.content(), m.toolCalls(), List.of());
        }

        /** This turn and the next one of the same role, as one. */
        Turn and(Turn next) {
            String joined = next.text.isBlank() ? text : text.isBlank() ? next.text : text + "\n\n" + next.text;
            var allCalls = new ArrayList<>(calls);
            allCalls.addAll(next.calls);
            var allResults = new ArrayList<>(results);
            allResults.addAll(next.results);
            return new Turn(role, joined, allCalls, allResults);
        }

        /**
         * A plain-text turn as a string, as Anthropic's own examples write it; one with calls or
         * results as a list of blocks. Results come first, as Anthropic requires of a user turn;
         * an assistant turn's calls come after its text, as the model wrote them. A turn has
         * only one of the two, so one order serves both.
         */
        ObjectNode json() {
            ObjectNode out = JSON.createObjectNode().put("role", role == ChatMessage.Role.USER ? "user" : "assistant");
            if (calls.isEmpty() && results.isEmpty()) return out.put("content", text);
            ArrayNode content = out.putArray("content");
            for (ToolResult r : results) {
                ObjectNode block = content.addObject().put("type", "tool_result").put("tool_use_id", r.callId())
                        .put("content", r.content() == null ? "" : r.content());
                if (r.error()) block.put("is_error", true);
            }
            // Anthropic refuses a text block without visible text.
            if (!text.isBlank()) content.addObject().put("type", "text").put("text", text);
            for (ToolCall c : calls) {
                content.addObject().put("type", "tool_use").put("id", c.id()).put("name", c.name()).set("input", input(c.arguments()));
            }
            return out;
        }

        /**
         * The call's arguments as the object Anthropic takes back. Arguments the model wrote
         * that are not a JSON object (its tool already answered them with an error) go back as
         * {@code {}}: as text they would make Anthropic refuse the whole conversation.
         */
        private static JsonNode input(String arguments) {
            try {
                JsonNode parsed = arguments == null ? null : JSON.readTree(arguments);
                if (parsed != null && parsed.isObject()) return parsed;
            } catch (JsonProcessingException notJson) {
                // as below
            }
            return JSON.createObjectNode();
        }
    }

    /** Everything the model read, for estimating input tokens when Anthropic reports none. */
    static String promptText(ObjectNode body) {
        var text = new StringBuilder(body.path("system").asText(""));
        body.path("messages").forEach(m -> {
            JsonNode content = m.path("content");
            if (content.isTextual()) text.append('\n').append(content.asText());
            content.forEach(block -> text.append('\n').append(switch (block.path("type").asText("")) {
                case "tool_use" -> block.path("input").toString();
                case "tool_result" -> block.path("content").asText("");
                default -> block.path("text").asText("");
            }));
        });
        return text.toString();
    }

    /** Reads one answer's events; lives for one call, on the provider's thread. */
    private static final class Answer implements ProviderHttp.EventHandler {
        private final PartSink sink;
        private final StringBuilder text = new StringBuilder();
        private final StringBuilder arguments = new StringBuilder();
        /** The tool_use blocks not yet stopped, by block index: their deltas and stops name only the index. */
        private final TreeMap<Integer, ToolUse> calls = new TreeMap<>();
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
                    JsonNode block = json.path("content_block");
                    switch (block.path("type").asText("")) {
                        // A text block starts empty in practice; should it ever carry text, that is answer too.
                        case "text" -> text(block.path("text"));
                        // Only "tool_use" is a call for Weft to run: server_tool_use and the like Anthropic runs itself.
                        case "tool_use" -> startCall(json.path("index").asInt(), block);
                        default -> { }
                    }
                }
                case "content_block_delta" -> {
                    JsonNode delta = json.path("delta");
                    switch (delta.path("type").asText("")) {
                        case "text_delta" -> text(delta.path("text"));
                        case "input_json_delta" -> callArguments(json.path("index").asInt(), delta.path("partial_json"));
                        default -> { } // thinking_delta, signature_delta, citations_delta …: not the answer
                    }
                }
                case "content_block_stop" -> {
                    ToolUse call = calls.remove(json.path("index").asInt());
                    if (call != null) endCall(call);
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
                default -> { } // ping, or a new type in a stream without event names
            }
            return true;
        }

        private void text(JsonNode piece) {
            if (!piece.isTextual() || piece.asText().isEmpty()) return;
            String s = piece.asText();
            text.append(s);
            sink.accept(new Part.Text(s));
        }

        private void startCall(int index, JsonNode block) {
            // A server that only imitates Anthropic may send no id; the result must still name its call.
            String id = block.path("id").asText("");
            if (id.isEmpty()) id = "toolu_" + index;
            calls.put(index, new ToolUse(id, block.path("input")));
            sink.accept(new Part.ToolCallStart(id, block.path("name").asText("")));
        }

        private void callArguments(int index, JsonNode piece) {
            ToolUse call = calls.get(index);
            // Empty pieces are common (Anthropic often begins with one) and say nothing.
            if (call == null || !piece.isTextual() || piece.asText().isEmpty()) return;
            call.written = true;
            arguments.append(piece.asText());
            sink.accept(new Part.ToolCallArguments(call.id, piece.asText()));
        }

        /**
         * A call that takes no arguments streams no piece of them, or only empty ones, and
         * joined they would be "": no JSON at all, which a client joining the pieces could not
         * parse. Its arguments are then the {@code input} its block started with: {@code {}}
         * from Anthropic, or the whole input from a server that sends it there rather than in pieces.
         */
        private void endCall(ToolUse call) {
            if (!call.written) {
                String whole = call.input.isObject() && !call.input.isEmpty() ? call.input.toString() : "{}";
                arguments.append(whole);
                sink.accept(new Part.ToolCallArguments(call.id, whole));
            }
            sink.accept(new Part.ToolCallEnd(call.id));
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
            // Every call ends before the answer does, even one whose block never said it stopped.
            calls.values().forEach(this::endCall);
            calls.clear();
            Usage usage = usageReported
                    ? new Usage(inputTokens + cacheCreationTokens + cacheReadTokens, outputTokens, false)
                    : new Usage(Usage.estimateTokens(prompt),
                            Usage.estimateTokens(text.toString()) + Usage.estimateTokens(arguments.toString()), true);
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

    /** A tool_use block under way: its id, the input it started with, and whether any argument piece came. */
    private static final class ToolUse {
        final String id;
        final JsonNode input;
        boolean written;

        ToolUse(String id, JsonNode input) {
            this.id = id;
            this.input = input;
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
