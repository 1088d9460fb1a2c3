package weft.bench;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import weft.providers.ChatMessage;
import weft.providers.Completion;
import weft.providers.PartSink;
import weft.providers.DemoProvider;
import weft.providers.ModelRequest;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The relay mode's model: Weft's {@link DemoProvider} behind an OpenAI-compatible endpoint, run
 * as a child process like {@link BaselineServer} (same JDK HttpServer, virtual threads,
 * TCP_NODELAY from the JVM flags). Weft, started with {@code WEFT_PROVIDER=openai} and
 * {@code OPENAI_BASE_URL} pointing here, then streams every answer through its real provider
 * path: HTTP client, SSE parser, JSON chunks, then its own log and relay.
 *
 * <p>{@code POST /v1/chat/completions} runs the demo model on the request's messages, at the
 * configured ttft and rate, and writes each token as a {@code chat.completion.chunk} event in
 * OpenAI's format (see {@code test-fixtures/openai/basic.sse}), flushed on its own; then a chunk
 * with the finish reason, one with the usage and empty {@code choices}, and {@code data: [DONE]}.
 * Same prompt, same answer as the demo gives inside Weft: the demo seeds itself from the prompt.
 *
 * <p>For the end-to-end latency ({@link EndToEnd}) it notes {@link System#nanoTime()} when a
 * request whose model is tagged ({@link Ask#TAG_PREFIX}) reaches the handler, and just before
 * writing each of its content chunks; {@code GET /bench/writes} hands those times over, a line
 * per request, and forgets them.
 *
 * <pre>java … weft.bench.OpenAiUpstream --port 8082 --ttft-ms 300 --tps 60</pre>
 */
public final class OpenAiUpstream {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DemoProvider model;
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, long[]> writes = new ConcurrentHashMap<>();

    OpenAiUpstream(Duration ttft, double tokensPerSecond) {
        this.model = new DemoProvider(ttft, tokensPerSecond);
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> flags = BenchOptions.flags(args);
        int port = Integer.parseInt(flags.getOrDefault("port", "8082"));
        var upstream = new OpenAiUpstream(Duration.ofMillis(Long.parseLong(flags.getOrDefault("ttft-ms", "300"))),
                Double.parseDouble(flags.getOrDefault("tps", "60")));
        var server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 4096);
        server.createContext("/", upstream::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        System.out.println("openai-compatible upstream listening on http://127.0.0.1:" + port + "/v1");
    }

    private void handle(HttpExchange exchange) throws IOException {
        long received = System.nanoTime();
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (exchange.getRequestMethod().equals("POST") && path.equals("/v1/chat/completions")) {
                complete(exchange, JSON.readTree(body), received);
            } else if (path.equals("/healthz")) {
                send(exchange, 200, "application/json", "{\"status\":\"ok\"}");
            } else if (path.equals("/bench/writes")) {
                send(exchange, 200, "text/plain", takeWrites());
            } else {
                send(exchange, 404, "application/json", "{\"error\":{\"message\":\"no such endpoint\",\"type\":\"invalid_request_error\"}}");
            }
        }
    }

    /** One streamed answer; returns early, silently, when Weft hangs up (a cancelled run). */
    private void complete(HttpExchange exchange, JsonNode request, long received) throws IOException {
        ModelRequest ask = modelRequest(request);
        var h = exchange.getResponseHeaders();
        h.set("Content-Type", "text/event-stream; charset=utf-8");
        h.set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        // The fields every chunk of this answer shares, as OpenAI writes them, up to the choices.
        String head = "data: {\"id\":\"chatcmpl-bench" + ids.incrementAndGet() + "\",\"object\":\"chat.completion.chunk\",\"created\":"
                + System.currentTimeMillis() / 1000 + ",\"model\":" + quote(ask.model()) + ",\"choices\":[";
        boolean tagged = ask.model().startsWith(Ask.TAG_PREFIX);
        long[][] times = {new long[64]}; // times[0][0]: the request's arrival; then one per content chunk
        times[0][0] = received;
        int[] count = {0};
        Completion completion;
        try {
            completion = model.complete(ask, PartSink.text(piece -> {
                try {
                    if (count[0] == 0) { // OpenAI opens with the role and empty content, right before the first token
                        event(out, head + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}");
                    }
                    if (tagged) {
                        if (count[0] + 1 == times[0].length) times[0] = Arrays.copyOf(times[0], times[0].length * 2);
                        times[0][count[0] + 1] = System.nanoTime();
                    }
                    count[0]++;
                    event(out, head + "{\"index\":0,\"delta\":{\"content\":" + quote(piece) + "},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}");
                } catch (IOException weftGone) {
                    throw new UncheckedIOException(weftGone);
                }
            }));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (UncheckedIOException weftGone) {
            return;
        }
        // Recorded before [DONE]: by the time Weft can end the client's stream, the times are here to fetch.
        if (tagged) writes.put(ask.model(), Arrays.copyOf(times[0], count[0] + 1));
        long in = completion.usage().inputTokens(), generated = completion.usage().outputTokens();
        event(out, head + "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":" + quote(completion.finishReason()) + "}],\"usage\":null}");
        event(out, head + "],\"usage\":{\"prompt_tokens\":" + in + ",\"completion_tokens\":" + generated
                + ",\"total_tokens\":" + (in + generated) + "}}");
        event(out, "data: [DONE]");
    }

    /** The demo's request from OpenAI's: the system message as system prompt, the rest as the conversation. */
    private static ModelRequest modelRequest(JsonNode request) {
        String system = null;
        var messages = new ArrayList<ChatMessage>();
        for (JsonNode m : request.path("messages")) {
            String content = m.path("content").asText("");
            switch (m.path("role").asText()) {
                case "system" -> system = content;
                case "assistant" -> messages.add(ChatMessage.assistant(content));
                default -> messages.add(ChatMessage.user(content));
            }
        }
        JsonNode limit = request.has("max_completion_tokens") ? request.get("max_completion_tokens") : request.get("max_tokens");
        Integer maxTokens = limit == null || !limit.canConvertToInt() ? null : limit.asInt();
        return new ModelRequest(request.path("model").asText("weft-demo-1"), system, messages, List.of(), maxTokens);
    }

    /** Every tagged request's times so far, "tag arrival write1 write2 …" a line, and forgets them. */
    private String takeWrites() {
        var text = new StringBuilder();
        for (String tag : List.copyOf(writes.keySet())) {
            long[] times = writes.remove(tag);
            text.append(tag);
            for (long t : times) text.append(' ').append(t);
            text.append('\n');
        }
        return text.toString();
    }

    /** One SSE event, written and flushed on its own, as a streaming API sends it. */
    private static void event(OutputStream out, String data) throws IOException {
        out.write((data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static String quote(String text) {
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + '"';
    }
}
