package weft.aisdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.events.LoggedEvent;
import weft.events.RunEvent;
import weft.http.EventFrames;
import weft.http.Json;
import weft.providers.Usage;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A run's events as the AI SDK's UI message stream (protocol v1): one assistant message whose
 * parts are the answering agents' text, the other agents' reasoning, tool calls, cited
 * documents and a {@code data-agent} part per agent instance. Each frame is
 * {@code data: <chunk JSON>} and a blank line, the stream ends with {@code data: [DONE]}.
 *
 * <p>Chunks carry only fields that every AI SDK 5 release and later accepts: the first 5.0
 * releases refuse unknown fields (so {@code finish} has no {@code finishReason}; it is in the
 * message metadata instead). Part ids are numbered in the order of the run's events, so a
 * replay of the same log renders the same bytes: a resumed stream is the original one.
 *
 * <p>Steps: the AI SDK's client forgets its open text and reasoning parts at every
 * {@code finish-step}, so every open part is ended before one. A step is one model call of an
 * answering agent: a new one begins when an answering agent writes again after its tools'
 * results came, or when another answering agent (a loop's next agent) writes.
 */
public final class UiStreamFrames implements EventFrames {
    private static final byte[] NOTHING = {};
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

    private final String runId;
    private final Set<String> answering;

    /** Per agent name: its open text or reasoning part. */
    private final Map<String, OpenPart> open = new LinkedHashMap<>();
    /** Per agent name: its current instance (a loop's agent starts again under its name). */
    private final Map<String, Instance> instances = new HashMap<>();
    private final Map<String, Integer> starts = new HashMap<>();
    private final Set<String> shownCalls = new HashSet<>();
    private final Set<String> cited = new HashSet<>();
    /** Answering instances whose tools answered since they last wrote: their next words are a new model call. */
    private final Set<String> resultsSinceOutput = new HashSet<>();
    private String stepAnswerer;
    private int partCount;
    private String lastError;
    private String finishReason;

    private record OpenPart(String kind, String id) {}

    /** An agent instance: its data-agent part's id and what that part says. */
    private static final class Instance {
        final String key;
        final String agent;
        final String parent;
        String status = "running";
        String message;

        Instance(String key, String agent, String parent) {
            this.key = key;
            this.agent = agent;
            this.parent = parent;
        }
    }

    /**
     * @param runId     the run, which is also the message's id: a resumed stream replaces the
     *                  message the client had begun instead of adding a second one
     * @param answering the agents whose text is the answer ({@code Workflow.finalAgents()})
     */
    public UiStreamFrames(String runId, Set<String> answering) {
        this.runId = runId;
        this.answering = Set.copyOf(answering);
    }

    @Override
    public byte[] opening() {
        return NOTHING;
    }

    @Override
    public byte[] render(LoggedEvent event) {
        var out = new Chunks();
        switch (event.event()) {
            case RunEvent.RunStarted started -> {
                ObjectNode metadata = Json.object().put("runId", runId);
                if (started.sessionId() != null) metadata.put("sessionId", started.sessionId());
                ObjectNode start = chunk("start").put("messageId", runId);
                start.set("messageMetadata", metadata);
                out.add(start);
                out.add(chunk("start-step"));
            }
            case RunEvent.AgentStarted started -> {
                int n = starts.merge(started.agent(), 1, Integer::sum);
                var instance = new Instance(n == 1 ? started.agent() : started.agent() + "#" + n, started.agent(), started.parent());
                instances.put(started.agent(), instance);
                out.add(agentPart(instance));
            }
            case RunEvent.Delta delta -> {
                if (delta.text().isEmpty()) break;
                output(out, delta.agent());
                OpenPart part = open.get(delta.agent());
                if (part == null) {
                    String kind = answering.contains(delta.agent()) ? "text" : "reasoning";
                    part = new OpenPart(kind, kind + "-" + (++partCount));
                    open.put(delta.agent(), part);
                    out.add(chunk(kind + "-start").put("id", part.id()));
                }
                out.add(chunk(part.kind() + "-delta").put("id", part.id()).put("delta", delta.text()));
            }
            case RunEvent.AgentProgress progress -> {
                Instance instance = instances.get(progress.agent());
                if (instance == null) break; // a step's progress ("researchers"): its agents have parts of their own
                instance.message = progress.message();
                out.add(agentPart(instance));
            }
            case RunEvent.Citation citation -> {
                if (!cited.add(citation.documentId())) break; // a source is listed once, however often it is cited
                out.add(chunk("source-document").put("sourceId", citation.documentId()).put("mediaType", "text/plain")
                        .put("title", citation.title()));
            }
            case RunEvent.AgentCompleted completed -> {
                close(out, completed.agent());
                if (answering.contains(completed.agent())) finishReason = completed.finishReason();
                Instance instance = instances.get(completed.agent());
                if (instance != null) {
                    if (instance.status.equals("running")) instance.status = "completed";
                    out.add(agentPart(instance));
                }
            }
            case RunEvent.ToolCallDelta delta -> {
                calling(out, delta.agent(), delta.callId(), delta.name());
                if (!delta.argumentsDelta().isEmpty()) {
                    out.add(chunk("tool-input-delta").put("toolCallId", delta.callId()).put("inputTextDelta", delta.argumentsDelta()));
                }
            }
            case RunEvent.ToolCall call -> {
                calling(out, call.agent(), call.callId(), call.name());
                ObjectNode available = chunk("tool-input-available").put("toolCallId", call.callId()).put("toolName", call.name());
                available.set("input", call.arguments());
                // Weft runs its server tools: a client's onToolCall must not run them as well.
                if ("server".equals(call.executor())) available.put("providerExecuted", true);
                out.add(available);
            }
            case RunEvent.ToolProgress ignored -> { }
            case RunEvent.ToolResult result -> {
                // A call refused before it was shown (an unknown tool) still needs its part for the result.
                calling(out, result.agent(), result.callId(), result.name());
                if (answering.contains(result.agent())) resultsSinceOutput.add(instanceKey(result.agent()));
                ObjectNode answer;
                if (result.error() != null) {
                    answer = chunk("tool-output-error").put("toolCallId", result.callId()).put("errorText", result.error());
                } else {
                    answer = chunk("tool-output-available").put("toolCallId", result.callId());
                    answer.set("output", result.result());
                }
                out.add(answer.put("providerExecuted", true));
            }
            case RunEvent.Error error -> {
                lastError = error.code() + ": " + error.message();
                if (error.agent() != null) close(out, error.agent());
                Instance instance = error.agent() == null ? null : instances.get(error.agent());
                if (instance != null) {
                    instance.status = switch (error.code()) {
                        case "cancelled", "timed_out" -> error.code();
                        default -> "failed";
                    };
                    instance.message = error.message();
                    out.add(agentPart(instance));
                }
                // Whether the run goes on (a best-effort step) is known at done: an error chunk ends useChat's stream.
            }
            case RunEvent.Done done -> finish(out, done);
        }
        return out.bytes();
    }

    /** The ending: every part closed, the run's failure if it failed, the step and the message finished. */
    private void finish(Chunks out, RunEvent.Done done) {
        closeAll(out);
        boolean failed = done.status().equals("failed") || done.status().equals("timed_out");
        if (failed) out.add(chunk("error").put("errorText", lastError != null ? lastError : "the run ended " + done.status()));
        out.add(chunk("finish-step"));
        if (done.status().equals("cancelled")) out.add(chunk("abort"));
        ObjectNode metadata = Json.object().put("status", done.status()).put("finishReason", failed ? "error"
                : done.status().equals("cancelled") ? "other" : finishReason(finishReason));
        metadata.set("usage", usage(done.usage()));
        ObjectNode finish = chunk("finish");
        finish.set("messageMetadata", metadata);
        out.add(finish);
    }

    @Override
    public byte[] streamError(String code, String message) {
        var out = new Chunks();
        out.add(chunk("error").put("errorText", code + ": " + message));
        return out.bytes();
    }

    @Override
    public byte[] closing() {
        return DONE;
    }

    /** A tool call of {@code agent} shows: the answerer's text before it is done, and the call's part opens once. */
    private void calling(Chunks out, String agent, String callId, String name) {
        if (shownCalls.contains(callId)) return;
        output(out, agent);
        if (answering.contains(agent)) close(out, agent);
        shownCalls.add(callId);
        out.add(chunk("tool-input-start").put("toolCallId", callId).put("toolName", name == null ? "" : name)
                .put("providerExecuted", true));
    }

    /** {@code agent} writes: for an answering agent, maybe the start of a new model call, so a new step. */
    private void output(Chunks out, String agent) {
        if (!answering.contains(agent)) return;
        String instance = instanceKey(agent);
        if (stepAnswerer != null && (!stepAnswerer.equals(instance) || resultsSinceOutput.contains(instance))) {
            closeAll(out);
            out.add(chunk("finish-step"));
            out.add(chunk("start-step"));
        }
        stepAnswerer = instance;
        resultsSinceOutput.remove(instance);
    }

    private String instanceKey(String agent) {
        Instance instance = instances.get(agent);
        return instance == null ? agent : instance.key;
    }

    private void close(Chunks out, String agent) {
        OpenPart part = open.remove(agent);
        if (part != null) out.add(chunk(part.kind() + "-end").put("id", part.id()));
    }

    private void closeAll(Chunks out) {
        for (OpenPart part : open.values()) out.add(chunk(part.kind() + "-end").put("id", part.id()));
        open.clear();
    }

    /** The agent's state as a data part: the same id each time, so the client updates one part per instance. */
    private static ObjectNode agentPart(Instance instance) {
        ObjectNode data = Json.object().put("agent", instance.agent);
        if (instance.parent != null) data.put("parent", instance.parent);
        data.put("status", instance.status);
        if (instance.message != null) data.put("message", instance.message);
        ObjectNode part = chunk("data-agent").put("id", instance.key);
        part.set("data", data);
        return part;
    }

    /** Weft's (OpenAI's) finish reasons in the AI SDK's words. */
    private static String finishReason(String reason) {
        if (reason == null) return "stop";
        return switch (reason) {
            case "stop" -> "stop";
            case "length" -> "length";
            case "tool_calls" -> "tool-calls";
            case "content_filter" -> "content-filter";
            default -> "other";
        };
    }

    private static JsonNode usage(Usage usage) {
        ObjectNode json = Json.object().put("inputTokens", usage.inputTokens()).put("outputTokens", usage.outputTokens());
        if (usage.estimated()) json.put("estimated", true);
        return json;
    }

    private static ObjectNode chunk(String type) {
        return Json.object().put("type", type);
    }

    /** The frames one event renders, in order. */
    private static final class Chunks {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        void add(ObjectNode chunk) {
            try {
                bytes.writeBytes(("data: " + Json.MAPPER.writeValueAsString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a JSON tree always renders", e);
            }
        }

        byte[] bytes() {
            return bytes.size() == 0 ? NOTHING : bytes.toByteArray();
        }
    }
}
