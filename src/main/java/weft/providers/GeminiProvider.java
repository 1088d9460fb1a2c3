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
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Google's Gemini API, streamed: {@code POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse}.
 *
 * <p>Without {@code alt=sse} Gemini streams one big JSON array instead of events. Each event is a
 * whole {@code GenerateContentResponse}: new text in {@code candidates[0].content.parts}, the
 * usage so far in {@code usageMetadata} (cumulative, so the last one counts), and on the last
 * event a {@code finishReason}. There is no end marker: the event with a finishReason is the end.
 *
 * <p>Function calling: the tools go out as {@code tools[0].functionDeclarations}, their schemas
 * cut down to what Gemini accepts ({@link GeminiSchema}). A call comes back whole, as a
 * {@code functionCall} part with its {@code args} as an object, never in pieces; several parts
 * (in one event or across events) are several calls. Each becomes a start, its arguments as one
 * piece of compact JSON, and an end. The finishReason stays {@code STOP} when the model calls:
 * whether it did is told by the calls, not the reason. In the history the calls go back as
 * {@code functionCall} parts of the model's turn, with the {@code thoughtSignature} they came
 * with, and their results as one user turn of {@code functionResponse} parts.
 *
 * <p>Gemini also refuses in ways that arrive as a 200: a prompt it will not answer comes back as
 * {@code promptFeedback.blockReason} with no candidates, an answer it stops part-way ends with a
 * finishReason such as {@code SAFETY}, and an error after text has streamed is an {@code error}
 * object in the stream. Each becomes a {@link ProviderException} that names Gemini's reason.
 */
public final class GeminiProvider implements Provider {
    private static final String NAME = "gemini";
    private static final ObjectMapper JSON = Jackson.mapper();
    /** How much of a bad event an error message quotes. */
    private static final int QUOTE = 200;
    /** Model names as Gemini writes them ({@code gemini-2.5-flash}); anything else could change the path. */
    private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** What the finish reasons that end an answer early mean, for the error message. */
    private static final Map<String, String> STOPPED_BECAUSE = Map.of(
            "SAFETY", "its safety filters flagged the answer",
            "RECITATION", "the answer was reciting existing material (e.g. copyrighted text)",
            "BLOCKLIST", "the answer contained a term on a blocklist",
            "PROHIBITED_CONTENT", "the answer touched prohibited content",
            "SPII", "the answer contained sensitive personal information",
            "MALFORMED_FUNCTION_CALL", "the model wrote a function call that was not valid",
            "UNEXPECTED_TOOL_CALL", "the model called a tool that was not offered",
            "OTHER", "of an unspecified reason");

    private final ProviderHttp http;
    private final String baseUrl;
    private final String apiKey;
    private final String defaultModel;

    /**
     * @param baseUrl where the API lives, without a version, as the official SDKs' {@code GEMINI_BASE_URL}:
     *                {@code https://generativelanguage.googleapis.com}, or a test's mock
     */
    public GeminiProvider(ProviderHttp http, String baseUrl, String apiKey, String defaultModel) {
        this.http = http;
        this.baseUrl = ProviderHttp.baseUrl("GEMINI_BASE_URL", baseUrl, "https://generativelanguage.googleapis.com");
        this.apiKey = apiKey;
        this.defaultModel = defaultModel;
    }

    @Override public String name() { return NAME; }

    @Override public String defaultModel() { return defaultModel; }

    @Override
    public void stream(ModelRequest request, PartSink sink) throws IOException, InterruptedException {
        var answer = new Answer(sink, earlierCalls(request));
        if (!http.stream(NAME, httpRequest(request), answer)) {
            throw new ProviderException(ProviderException.Kind.PROTOCOL, "the gemini stream ended before a finishReason,"
                    + " after " + answer.text.length() + " characters of text: the answer may be cut short");
        }
        sink.accept(new Part.Finish(answer.finishReason, answer.usage(request)));
    }

    private HttpRequest httpRequest(ModelRequest request) throws ProviderException {
        String model = request.model() == null ? defaultModel : request.model();
        // Clients may write the resource name, as Google's own examples sometimes do.
        if (model.startsWith("models/")) model = model.substring("models/".length());
        if (!MODEL.matcher(model).matches()) {
            throw new ProviderException(ProviderException.Kind.BAD_REQUEST, "'" + model + "' is not a Gemini model name:"
                    + " use letters, digits, '.', '-' and '_' only, e.g. " + defaultModel);
        }
        // The key goes in a header, never in the URL, so it cannot end up in a proxy's or server's logs.
        return HttpRequest.newBuilder(URI.create(baseUrl + "/v1beta/models/" + model + ":streamGenerateContent?alt=sse"))
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .header("x-goog-api-key", apiKey)
                .POST(HttpRequest.BodyPublishers.ofString(body(request).toString()))
                .build();
    }

    /** The {@code GenerateContentRequest}: the conversation, the system instruction, the tools and their choice, the output limit. */
    private static ObjectNode body(ModelRequest request) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode contents = body.putArray("contents");
        // A result names its call's id; Gemini wants the function's name, which an old stored result may lack.
        var names = new HashMap<String, String>();
        for (ChatMessage message : request.messages()) {
            switch (message.role()) {
                // An answer that failed before its first token is stored empty, and Gemini refuses an
                // empty text part; leaving it out puts two user turns in a row, which are merged.
                case USER -> {
                    if (!message.content().isEmpty()) part(contents, "user").put("text", message.content());
                }
                case ASSISTANT -> {
                    boolean calls = !message.toolCalls().isEmpty();
                    if (calls ? !message.content().isBlank() : !message.content().isEmpty()) {
                        part(contents, "model").put("text", message.content());
                    }
                    for (ToolCall call : message.toolCalls()) {
                        names.put(call.id(), call.name());
                        functionCall(part(contents, "model"), call);
                    }
                }
                // The results of one answer's calls follow each other, so they merge into the one
                // user turn Gemini expects after the model's turn of calls.
                case TOOL -> functionResponse(part(contents, "user"), message.result(), names);
            }
        }
        String system = request.systemWithSources();
        if (system != null) body.putObject("systemInstruction").putArray("parts").addObject().put("text", system);
        if (!request.tools().isEmpty()) {
            ArrayNode declarations = body.putArray("tools").addObject().putArray("functionDeclarations");
            for (ToolSpec spec : request.tools()) {
                ObjectNode declaration = declarations.addObject().put("name", spec.name());
                if (spec.description() != null) declaration.put("description", spec.description());
                ObjectNode parameters = GeminiSchema.parameters(spec.parameters());
                if (parameters != null) declaration.set("parameters", parameters);
            }
            toolConfig(body, request.toolChoice());
        }
        ObjectNode config = generationConfig(request);
        if (!config.isEmpty()) body.set("generationConfig", config);
        return body;
    }

    /**
     * OpenAI's choices as Gemini's function calling modes: {@code required} is {@code ANY}, and a
     * named function is {@code ANY} narrowed to that one name, the only mode Gemini takes
     * {@code allowedFunctionNames} with. {@code AUTO} is the default and is left out.
     */
    private static void toolConfig(ObjectNode body, ToolChoice choice) {
        switch (choice) {
            case ToolChoice.Mode.AUTO -> { }
            case ToolChoice.Mode.NONE -> functionCalling(body).put("mode", "NONE");
            case ToolChoice.Mode.REQUIRED -> functionCalling(body).put("mode", "ANY");
            case ToolChoice.Function(String name) ->
                    functionCalling(body).put("mode", "ANY").putArray("allowedFunctionNames").add(name);
        }
    }

    private static ObjectNode functionCalling(ObjectNode body) {
        return body.putObject("toolConfig").putObject("functionCallingConfig");
    }

    /**
     * The limit and the sampling the run set, and nothing else, so Gemini's defaults hold
     * otherwise. Gemini has no field for the end user, so {@code user} is not sent.
     */
    private static ObjectNode generationConfig(ModelRequest request) {
        ObjectNode config = JSON.createObjectNode();
        if (request.maxTokens() != null) config.put("maxOutputTokens", request.maxTokens());
        Sampling sampling = request.sampling();
        if (sampling.temperature() != null) config.put("temperature", sampling.temperature());
        if (sampling.topP() != null) config.put("topP", sampling.topP());
        if (!sampling.stop().isEmpty()) {
            ArrayNode stop = config.putArray("stopSequences");
            sampling.stop().forEach(stop::add);
        }
        return config;
    }

    /** A new part at the end of {@code contents}: in its last turn if that is {@code role}'s, else in a new turn. */
    private static ObjectNode part(ArrayNode contents, String role) {
        JsonNode last = contents.isEmpty() ? null : contents.get(contents.size() - 1);
        ArrayNode parts = last != null && role.equals(last.path("role").asText())
                ? (ArrayNode) last.get("parts")
                : contents.addObject().put("role", role).putArray("parts");
        return parts.addObject();
    }

    /**
     * A call as the model made it. No {@code id} goes back: Weft's may be made up, and Gemini
     * pairs each response with its call by order and name. The signature must go back on the
     * same part, or Gemini 3 refuses the request.
     */
    private static void functionCall(ObjectNode part, ToolCall call) {
        part.putObject("functionCall").put("name", call.name()).set("args", argumentsObject(call.arguments()));
        if (call.signature() != null) part.put("thoughtSignature", call.signature());
    }

    /** The arguments as Gemini's {@code args}, an object: {@code {}} for text that is not one. */
    private static ObjectNode argumentsObject(String arguments) {
        JsonNode parsed = JsonText.readOrNull(arguments);
        return parsed != null && parsed.isObject() ? (ObjectNode) parsed : JSON.createObjectNode();
    }

    /**
     * A result as Gemini's {@code functionResponse}, whose {@code response} must be an object: a
     * result that is one goes as it is, any other value as {@code {"result": …}}, and a failed
     * call as {@code {"error": message}}.
     */
    private static void functionResponse(ObjectNode part, ToolResult result, Map<String, String> names) {
        String name = result.name() != null && !result.name().isEmpty() ? result.name() : names.getOrDefault(result.callId(), "");
        ObjectNode response = JSON.createObjectNode();
        if (result.error()) {
            response.put("error", result.content());
        } else {
            JsonNode value = JsonText.readOrNull(result.content());
            if (value != null && value.isObject()) response = (ObjectNode) value;
            else response.set("result", value != null ? value : response.textNode(result.content() == null ? "" : result.content()));
        }
        part.putObject("functionResponse").put("name", name).set("response", response);
    }

    /** How many calls the conversation holds already, for numbering new ones when Gemini gives no ids. */
    private static int earlierCalls(ModelRequest request) {
        return request.messages().stream().mapToInt(m -> m.toolCalls().size()).sum();
    }

    /** One answer being read: hands text on as it comes and remembers how the answer ended. */
    private static final class Answer implements ProviderHttp.EventHandler {
        private final PartSink sink;
        private final int earlierCalls;
        private final StringBuilder text = new StringBuilder();
        private final StringBuilder arguments = new StringBuilder();
        private int calls;
        private String responseId;
        /** A bare JSON object being collected line by line, and how many of its braces are open. */
        private final StringBuilder bare = new StringBuilder();
        private int openBraces;
        private JsonNode lastUsage;
        private String finishReason;

        Answer(PartSink sink, int earlierCalls) {
            this.sink = sink;
            this.earlierCalls = earlierCalls;
        }

        /** Returns false at the event that carries a finishReason: that is Gemini's end of the answer. */
        @Override
        public boolean onEvent(SseEvent event) throws ProviderException {
            JsonNode json = parse(event.data());
            JsonNode error = json.get("error");
            if (error != null && error.isObject()) throw streamError(error);
            if (json.path("usageMetadata").isObject()) lastUsage = json.get("usageMetadata");
            String blockReason = json.path("promptFeedback").path("blockReason").textValue();
            if (blockReason != null) throw promptBlocked(blockReason, json.path("promptFeedback"));

            if (responseId == null) responseId = json.path("responseId").textValue();

            JsonNode candidate = json.path("candidates").path(0);
            for (JsonNode part : candidate.path("content").path("parts")) {
                // Thought summaries (sent only when asked for) are the model's notes, not its answer.
                if (part.path("thought").asBoolean(false)) continue;
                if (part.path("functionCall").isObject()) {
                    functionCall(part.get("functionCall"), part.path("thoughtSignature").textValue());
                    continue;
                }
                String piece = part.path("text").textValue();
                if (piece != null && !piece.isEmpty()) {
                    text.append(piece);
                    sink.accept(new Part.Text(piece));
                }
            }
            String reason = candidate.path("finishReason").textValue();
            if (reason == null) return true;
            finishReason = switch (reason) {
                case "STOP" -> "stop";
                case "MAX_TOKENS" -> "length";
                // Every other reason (SAFETY, RECITATION, … and any added later) means the model
                // stopped before its answer was done: report it, after the text so far has streamed.
                default -> throw answerStopped(reason, candidate);
            };
            return false;
        }

        /** A whole call: Gemini writes {@code args} at once, so it is a start, one piece and an end. */
        private void functionCall(JsonNode call, String signature) throws ProviderException {
            String id = call.path("id").textValue();
            if (id == null || id.isEmpty()) id = madeUpId();
            calls++;
            JsonNode args = call.get("args");
            String json;
            try {
                json = args != null && args.isObject() ? JSON.writeValueAsString(args) : "{}";
            } catch (JsonProcessingException e) {
                throw new ProviderException(ProviderException.Kind.PROTOCOL, "gemini sent function call arguments"
                        + " that cannot be written as JSON: " + e.getOriginalMessage(), null, e);
            }
            arguments.append(json);
            sink.accept(new Part.ToolCallStart(id, call.path("name").asText(""), signature));
            sink.accept(new Part.ToolCallArguments(id, json));
            sink.accept(new Part.ToolCallEnd(id));
        }

        /**
         * An id for a call Gemini gave none (the 2.5 models give none). It must be unique in the run, not
         * only in this answer: the run's next model call makes new calls, and a client's result
         * is matched to its call by id. Gemini's responseId is unique per answer; without one,
         * the calls are numbered on from those already in the conversation.
         */
        private String madeUpId() {
            return responseId != null && !responseId.isEmpty() ? "call_" + responseId + "_" + calls
                    : "call_" + (earlierCalls + calls);
        }

        /**
         * A line that is not part of any event. An error that happens after the stream has begun
         * is written as a bare, pretty-printed JSON object, one line at a time, not as a
         * {@code data:} event (google-genai's {@code _iter_response_stream} reads it the same way):
         * collect its lines until the braces balance, then read it as an event. Other stray lines
         * are ignored, as SSE ignores them.
         *
         * <p>ProviderHttp hands such lines over through {@code EventHandler.onOtherLine}; a
         * ProviderHttp without that hook drops them, and the stream then ends as "ended before a
         * finishReason".
         */
        public boolean onOtherLine(String line) throws ProviderException {
            if (bare.isEmpty() && !line.strip().startsWith("{")) return true;
            bare.append(line).append('\n');
            openBraces += braceBalance(line);
            if (openBraces > 0) return true;
            String json = bare.toString();
            bare.setLength(0);
            openBraces = 0;
            return onEvent(new SseEvent("", "message", json));
        }

        /** Opening minus closing braces in one line of JSON, not counting those inside strings. */
        private static int braceBalance(String line) {
            int balance = 0;
            boolean inString = false;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (inString) {
                    if (c == '\\') i++;
                    else if (c == '"') inString = false;
                } else if (c == '"') {
                    inString = true;
                } else if (c == '{') {
                    balance++;
                } else if (c == '}') {
                    balance--;
                }
            }
            return balance;
        }

        /**
         * The last usageMetadata (each one counts everything so far, so summing would overcount).
         * Thinking models bill their thoughts as output, so thoughtsTokenCount is added to the
         * answer's candidatesTokenCount.
         */
        Usage usage(ModelRequest request) {
            if (lastUsage == null) {
                var prompt = new StringBuilder(request.system() == null ? "" : request.system());
                request.messages().forEach(m -> prompt.append('\n').append(m.content()));
                request.documents().forEach(d -> prompt.append('\n').append(d.title()).append('\n').append(d.text()));
                return new Usage(Usage.estimateTokens(prompt.toString()),
                        Usage.estimateTokens(text.toString()) + Usage.estimateTokens(arguments.toString()), true);
            }
            return new Usage(lastUsage.path("promptTokenCount").asLong(0),
                    lastUsage.path("candidatesTokenCount").asLong(0) + lastUsage.path("thoughtsTokenCount").asLong(0),
                    false);
        }

        private static JsonNode parse(String data) throws ProviderException {
            try {
                JsonNode json = JSON.readTree(data);
                if (json != null && json.isObject()) return json;
            } catch (JsonProcessingException e) {
                throw new ProviderException(ProviderException.Kind.PROTOCOL, "gemini sent an event that is not valid JSON ("
                        + e.getOriginalMessage() + "): " + quote(data), null, e);
            }
            throw new ProviderException(ProviderException.Kind.PROTOCOL,
                    "gemini sent an event that is not a JSON object: " + quote(data));
        }

        private static ProviderException streamError(JsonNode error) {
            String status = error.path("status").asText("");
            int code = error.path("code").asInt(0);
            ProviderException.Kind kind = switch (status) {
                case "RESOURCE_EXHAUSTED" -> ProviderException.Kind.RATE_LIMITED;
                case "UNAVAILABLE", "INTERNAL" -> ProviderException.Kind.UNAVAILABLE;
                case "PERMISSION_DENIED", "UNAUTHENTICATED" -> ProviderException.Kind.AUTH;
                case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "NOT_FOUND" -> ProviderException.Kind.BAD_REQUEST;
                case "DEADLINE_EXCEEDED" -> ProviderException.Kind.TIMEOUT;
                // An unknown status: classify by its HTTP code, as a refused request would be.
                default -> code == 429 ? ProviderException.Kind.RATE_LIMITED
                        : code == 401 || code == 403 ? ProviderException.Kind.AUTH
                        : code >= 400 && code < 500 ? ProviderException.Kind.BAD_REQUEST
                        : ProviderException.Kind.UNAVAILABLE;
            };
            String message = error.path("message").asText("(no message)");
            return new ProviderException(kind, "gemini reported an error mid-answer: " + message
                    + (status.isEmpty() ? "" : " (" + status + (code == 0 ? "" : " " + code) + ")"));
        }

        private static ProviderException promptBlocked(String reason, JsonNode feedback) {
            String explanation = feedback.path("blockReasonMessage").textValue();
            return new ProviderException(ProviderException.Kind.REFUSED, "gemini refused the prompt: blockReason "
                    + reason + (explanation == null ? "" : " (" + explanation + ")")
                    + "; rephrase the input, the system prompt or the documents");
        }

        private ProviderException answerStopped(String reason, JsonNode candidate) {
            var flagged = new ArrayList<String>();
            for (JsonNode rating : candidate.path("safetyRatings")) {
                if (rating.path("blocked").asBoolean(false)) flagged.add(rating.path("category").asText());
            }
            return new ProviderException(ProviderException.Kind.REFUSED, "gemini stopped the answer after "
                    + text.length() + " characters: finishReason " + reason + " ("
                    + STOPPED_BECAUSE.getOrDefault(reason, "a reason Weft does not know")
                    + (flagged.isEmpty() ? "" : ": " + String.join(", ", flagged)) + ")");
        }

        private static String quote(String data) {
            if (data.length() <= QUOTE) return data;
            int end = Character.isHighSurrogate(data.charAt(QUOTE - 1)) ? QUOTE - 1 : QUOTE; // never half a character
            return data.substring(0, end) + "… (" + data.length() + " characters)";
        }
    }
}
