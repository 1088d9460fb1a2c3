package weft.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.events.LoggedEvent;
import weft.events.RunEvent;
import weft.http.EventFrames;
import weft.http.HttpError;
import weft.http.Json;
import weft.providers.Usage;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A run's events as OpenAI's {@code chat.completion.chunk}s, for one response:
 *
 * <pre>
 * run_started                     → {"delta":{"role":"assistant","content":""}}
 * delta of the answering agent    → {"delta":{"content":"…"}}
 * delta of any other agent        → {"delta":{"reasoning_content":"…"}}   (a workflow's planner, researchers …)
 * tool_call_delta of a function   → {"delta":{"tool_calls":[{"index":0,"id","type":"function","function":{"name","arguments":""}}]}}, then
 *                                   {"delta":{"tool_calls":[{"index":0,"function":{"arguments":"…"}}]}} per piece
 * done, completed                 → {"delta":{},"finish_reason":"stop" | "length" | "tool_calls" | "content_filter"},
 *                                   the usage chunk ({"choices":[],"usage":{…}}) if asked for, then data: [DONE]
 * done, failed or cancelled       → data: {"error":{"message","type","param","code"}}, and the stream ends
 * </pre>
 *
 * When no single agent's text is the answer as it streams (a workflow that ends in a loop),
 * every agent's text is reasoning and the run's output comes as one content chunk at the end.
 * The same chunks, folded, are the non-streamed {@code chat.completion} ({@link ChatCompletion}).
 */
final class ChatChunks implements EventFrames {
    private static final byte[] NOTHING = {};
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

    private final String runId;
    private final String id;
    private final long created;
    private final String model;
    private final Optional<String> answerAgent;
    private final Set<String> functions;
    private final boolean includeUsage;

    private final Map<String, Integer> toolIndex = new HashMap<>();
    private String speaking; // the agent whose reasoning came last, so a change of voice gets a heading
    private String finish;
    private boolean calledFunctions;
    private RunEvent.Error lastError;
    private HttpError failure;

    ChatChunks(String runId, long createdMillis, String model, Optional<String> answerAgent, Set<String> functions,
               boolean includeUsage) {
        this.runId = runId;
        this.id = "chatcmpl-" + runId;
        this.created = createdMillis / 1000;
        this.model = model;
        this.answerAgent = answerAgent;
        this.functions = Set.copyOf(functions);
        this.includeUsage = includeUsage;
    }

    /** The chunks one event makes, in order. */
    List<ObjectNode> chunks(LoggedEvent logged) {
        var out = new ArrayList<ObjectNode>(2);
        switch (logged.event()) {
            case RunEvent.RunStarted s -> out.add(chunk(delta().put("role", "assistant").put("content", ""), null));
            case RunEvent.Delta d when answers(d.agent()) -> out.add(chunk(delta().put("content", d.text()), null));
            case RunEvent.Delta d -> {
                String heading = d.agent().equals(speaking) ? "" : (speaking == null ? "" : "\n\n") + "[" + d.agent() + "] ";
                speaking = d.agent();
                out.add(chunk(delta().put("reasoning_content", heading + d.text()), null));
            }
            case RunEvent.ToolCallDelta t when answers(t.agent()) -> toolCall(t, out);
            case RunEvent.ToolCall c when toolIndex.containsKey(c.callId()) -> calledFunctions = true;
            case RunEvent.AgentCompleted c when answers(c.agent()) && c.finishReason() != null -> finish = c.finishReason();
            case RunEvent.Error e -> lastError = e;
            case RunEvent.Done done -> done(done, out);
            default -> { }
        }
        return out;
    }

    /** Why the run did not complete, once its {@code done} has been read; empty for a run that completed. */
    Optional<HttpError> failure() {
        return Optional.ofNullable(failure);
    }

    private boolean answers(String agent) {
        return answerAgent.isPresent() && answerAgent.get().equals(agent);
    }

    private void toolCall(RunEvent.ToolCallDelta t, List<ObjectNode> out) {
        Integer index = toolIndex.get(t.callId());
        if (index == null) {
            if (t.name() == null || !functions.contains(t.name())) return; // a server tool: Weft's business, not the client's
            index = toolIndex.size();
            toolIndex.put(t.callId(), index);
            ObjectNode call = calls(index).put("id", t.callId()).put("type", "function");
            call.putObject("function").put("name", t.name()).put("arguments", "");
            out.add(chunk(deltaWith(call), null));
        }
        if (!t.argumentsDelta().isEmpty()) {
            ObjectNode call = calls(index);
            call.putObject("function").put("arguments", t.argumentsDelta());
            out.add(chunk(deltaWith(call), null));
        }
    }

    private void done(RunEvent.Done done, List<ObjectNode> out) {
        boolean filtered = done.status().equals("failed") && lastError != null && lastError.code().equals("provider_refused");
        if (!done.status().equals("completed") && !filtered) {
            failure = RunFailure.of(runId, done.status(), lastError);
            return;
        }
        if (answerAgent.isEmpty() && !done.output().isEmpty()) out.add(chunk(delta().put("content", done.output()), null));
        String reason = filtered ? "content_filter" : calledFunctions ? "tool_calls" : finish != null ? finish : "stop";
        out.add(chunk(delta(), reason));
        if (includeUsage) {
            ObjectNode usage = head();
            usage.putArray("choices");
            usage.set("usage", usage(done.usage()));
            out.add(usage);
        }
    }

    static ObjectNode usage(Usage usage) {
        return Json.object().put("prompt_tokens", usage.inputTokens()).put("completion_tokens", usage.outputTokens())
                .put("total_tokens", usage.inputTokens() + usage.outputTokens());
    }

    private ObjectNode head() {
        return Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model);
    }

    private ObjectNode chunk(ObjectNode delta, String finishReason) {
        ObjectNode chunk = head();
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) choice.putNull("finish_reason");
        else choice.put("finish_reason", finishReason);
        if (includeUsage) chunk.putNull("usage"); // as OpenAI: every chunk but the last has "usage": null
        return chunk;
    }

    private static ObjectNode delta() {
        return Json.object();
    }

    private static ObjectNode calls(int index) {
        return Json.object().put("index", index);
    }

    private static ObjectNode deltaWith(ObjectNode call) {
        ObjectNode delta = delta();
        ArrayNode calls = delta.putArray("tool_calls");
        calls.add(call);
        return delta;
    }

    // ---- as frames of a stream

    @Override
    public byte[] opening() {
        return NOTHING;
    }

    @Override
    public byte[] render(LoggedEvent event) {
        List<ObjectNode> chunks = chunks(event);
        if (failure != null) return data(new OpenAiErrors().body(failure));
        if (chunks.isEmpty()) return NOTHING;
        var bytes = new java.io.ByteArrayOutputStream();
        for (ObjectNode c : chunks) bytes.writeBytes(data(c));
        return bytes.toByteArray();
    }

    @Override
    public byte[] streamError(String code, String message) {
        return data(new OpenAiErrors().body(new HttpError(503, code, message + " (run " + runId + ")")));
    }

    /** {@code data: [DONE]} after a run that completed; a failed one ends with its error, as OpenAI's streams do. */
    @Override
    public byte[] closing() {
        return failure == null ? DONE : NOTHING;
    }

    private static byte[] data(ObjectNode json) {
        try {
            byte[] body = Json.MAPPER.writeValueAsBytes(json);
            byte[] frame = new byte[DATA.length + body.length + 2];
            System.arraycopy(DATA, 0, frame, 0, DATA.length);
            System.arraycopy(body, 0, frame, DATA.length, body.length);
            frame[frame.length - 2] = '\n';
            frame[frame.length - 1] = '\n';
            return frame;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
