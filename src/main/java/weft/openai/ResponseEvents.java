package weft.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.events.LoggedEvent;
import weft.events.RunEvent;
import weft.http.EventFrames;
import weft.http.HttpError;
import weft.http.Json;

import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A run's log as OpenAI's Responses stream, for one response:
 *
 * <pre>
 * run_started                       → response.created, response.in_progress
 * delta of the answering agent      → (response.output_item.added: a message, response.content_part.added: output_text)
 *                                     response.output_text.delta
 * delta of any other agent          → (response.output_item.added: a reasoning item, response.reasoning_summary_part.added)
 *                                     response.reasoning_summary_text.delta         (a workflow's planner, researchers …)
 * tool_call_delta of a function     → (response.output_item.added: a function_call) response.function_call_arguments.delta
 * tool_call of it                   → response.function_call_arguments.done, response.output_item.done
 * agent_completed                   → the agent's open item done: ….text.done, ….part.done, response.output_item.done
 * done                              → response.completed, or response.incomplete (the answer hit max_output_tokens,
 *                                     or a content filter), or response.failed (failed, timed out, cancelled)
 * </pre>
 *
 * Each event's {@code sequence_number} is its place in this rendering of the whole log, which
 * starts at the log's first event every time: so the same event always has the same number,
 * and a stream resumed {@code starting_after} N is exactly the whole stream's tail. Agents that
 * run at once (a workflow's researchers) have items open at once; their events interleave, each
 * naming its item. Server tools are Weft's business and show nothing; only the client's
 * functions become {@code function_call} items.
 */
final class ResponseEvents implements EventFrames {
    private static final byte[] NOTHING = {};

    private final String runId;
    private final ResponseObject response;
    private final Optional<String> answerAgent;
    private final Set<String> functions;
    private final long startingAfter;

    private long next;
    private Text message; // the answering agent's open message
    private final Map<String, Text> reasoning = new LinkedHashMap<>(); // open reasoning items by agent
    private final Map<String, Call> calls = new LinkedHashMap<>(); // open function_call items by call id
    private final Map<String, String> handedBack = new LinkedHashMap<>(); // calls the client is to answer: id → name
    private String finish;
    private long reasoningTokens;
    private RunEvent.Error lastError;
    private HttpError failure;

    /** An open item whose text grows: a message's output_text, a reasoning item's summary_text. */
    private record Text(int index, String itemId, StringBuilder text) {}

    private record Call(int index, String itemId, StringBuilder arguments) {}

    /** @param startingAfter the events numbered up to it are left out of the frames; -1 for all */
    ResponseEvents(String runId, ResponseObject response, Optional<String> answerAgent, Set<String> functions,
                   long startingAfter) {
        this.runId = runId;
        this.response = response;
        this.answerAgent = answerAgent;
        this.functions = Set.copyOf(functions);
        this.startingAfter = startingAfter;
    }

    /** The events one logged event makes, in order, numbered. */
    List<ObjectNode> events(LoggedEvent logged) {
        var out = new ArrayList<ObjectNode>(3);
        switch (logged.event()) {
            case RunEvent.RunStarted s -> {
                emit(out, event("response.created").set("response", response.json()));
                emit(out, event("response.in_progress").set("response", response.json()));
            }
            case RunEvent.Delta d when answers(d.agent()) -> {
                closeCalls(out, "completed");
                if (message == null) message = openMessage(out);
                message.text().append(d.text());
                emit(out, on(event("response.output_text.delta"), message).put("content_index", 0)
                        .put("delta", d.text()).set("logprobs", Json.MAPPER.createArrayNode()));
            }
            case RunEvent.Delta d -> {
                Text open = reasoning.get(d.agent());
                String heading = "";
                if (open == null) {
                    open = openReasoning(out);
                    reasoning.put(d.agent(), open);
                    heading = "[" + d.agent() + "] "; // which agent's thinking this is, as Chat Completions' reasoning says
                }
                open.text().append(heading).append(d.text());
                emit(out, on(event("response.reasoning_summary_text.delta"), open).put("summary_index", 0)
                        .put("delta", heading + d.text()));
            }
            case RunEvent.ToolCallDelta t when answers(t.agent()) -> toolCall(t, out);
            case RunEvent.ToolCall c when calls.containsKey(c.callId()) -> {
                closeCall(c.callId(), out, "completed");
                if (c.executor().equals("client")) handedBack.put(c.callId(), c.name());
            }
            case RunEvent.ToolResult r -> {
                handedBack.remove(r.callId());
                if (calls.containsKey(r.callId())) closeCall(r.callId(), out, "completed"); // its arguments were refused
            }
            case RunEvent.AgentCompleted c when answers(c.agent()) -> {
                if (c.finishReason() != null) finish = c.finishReason();
                closeCalls(out, "completed");
                // No finish reason: the agent was stopped before its model finished.
                boolean whole = c.finishReason() != null && !c.finishReason().equals("length");
                closeMessage(out, whole ? "completed" : "incomplete");
            }
            case RunEvent.AgentCompleted c -> {
                reasoningTokens += c.usage().outputTokens();
                Text open = reasoning.remove(c.agent());
                if (open != null) closeReasoning(open, out);
            }
            case RunEvent.Error e -> lastError = e;
            case RunEvent.Done done -> done(done, out);
            default -> { }
        }
        return out;
    }

    /** The response as folded so far. */
    ResponseObject response() {
        return response;
    }

    /** The sequence number the next event would get: how many there are so far. */
    long count() {
        return next;
    }

    /** The client's functions the run called and handed back: the next response's input must answer them. */
    Map<String, String> handedBack() {
        return Map.copyOf(handedBack);
    }

    /** Why the run did not complete, once its {@code done} has been read; empty for one that completed (or is incomplete). */
    Optional<HttpError> failure() {
        return Optional.ofNullable(failure);
    }

    private boolean answers(String agent) {
        return answerAgent.isPresent() && answerAgent.get().equals(agent);
    }

    private void toolCall(RunEvent.ToolCallDelta t, List<ObjectNode> out) {
        Call call = calls.get(t.callId());
        if (call == null) {
            if (t.name() == null || !functions.contains(t.name())) return; // a server tool: Weft's business, not the client's
            closeMessage(out, "completed");
            String itemId = "fc_" + runId + "_" + t.callId();
            ObjectNode item = Json.object().put("type", "function_call").put("id", itemId).put("call_id", t.callId())
                    .put("name", t.name()).put("arguments", "").put("status", "in_progress");
            call = new Call(response.add(item), itemId, new StringBuilder());
            calls.put(t.callId(), call);
            emit(out, event("response.output_item.added").put("output_index", call.index()).set("item", item.deepCopy()));
        }
        if (t.argumentsDelta().isEmpty()) return;
        call.arguments().append(t.argumentsDelta());
        emit(out, event("response.function_call_arguments.delta").put("item_id", call.itemId())
                .put("output_index", call.index()).put("delta", t.argumentsDelta()));
    }

    private void closeCall(String callId, List<ObjectNode> out, String status) {
        Call call = calls.remove(callId);
        ObjectNode item = response.item(call.index());
        item.put("arguments", call.arguments().toString()).put("status", status);
        emit(out, event("response.function_call_arguments.done").put("item_id", call.itemId())
                .put("output_index", call.index()).put("name", item.get("name").textValue())
                .put("arguments", call.arguments().toString()));
        emit(out, event("response.output_item.done").put("output_index", call.index()).set("item", item.deepCopy()));
    }

    private void closeCalls(List<ObjectNode> out, String status) {
        for (String id : List.copyOf(calls.keySet())) closeCall(id, out, status);
    }

    private Text openMessage(List<ObjectNode> out) {
        int index = response.add(Json.object());
        String itemId = "msg_" + runId + "_" + index;
        ObjectNode item = response.item(index).put("type", "message").put("id", itemId).put("status", "in_progress")
                .put("role", "assistant");
        item.putArray("content");
        var text = new Text(index, itemId, new StringBuilder());
        emit(out, event("response.output_item.added").put("output_index", index).set("item", item.deepCopy()));
        emit(out, on(event("response.content_part.added"), text).put("content_index", 0).set("part", textPart("")));
        return text;
    }

    private void closeMessage(List<ObjectNode> out, String status) {
        if (message == null) return;
        Text m = message;
        message = null;
        String text = m.text().toString();
        emit(out, on(event("response.output_text.done"), m).put("content_index", 0).put("text", text)
                .set("logprobs", Json.MAPPER.createArrayNode()));
        emit(out, on(event("response.content_part.done"), m).put("content_index", 0).set("part", textPart(text)));
        ObjectNode item = response.item(m.index()).put("status", status);
        item.withArray("content").add(textPart(text));
        emit(out, event("response.output_item.done").put("output_index", m.index()).set("item", item.deepCopy()));
    }

    private Text openReasoning(List<ObjectNode> out) {
        int index = response.add(Json.object());
        String itemId = "rs_" + runId + "_" + index;
        ObjectNode item = response.item(index).put("type", "reasoning").put("id", itemId);
        item.putArray("summary");
        var text = new Text(index, itemId, new StringBuilder());
        emit(out, event("response.output_item.added").put("output_index", index).set("item", item.deepCopy()));
        emit(out, on(event("response.reasoning_summary_part.added"), text).put("summary_index", 0).set("part", summaryPart("")));
        return text;
    }

    private void closeReasoning(Text r, List<ObjectNode> out) {
        String text = r.text().toString();
        emit(out, on(event("response.reasoning_summary_text.done"), r).put("summary_index", 0).put("text", text));
        emit(out, on(event("response.reasoning_summary_part.done"), r).put("summary_index", 0).set("part", summaryPart(text)));
        ObjectNode item = response.item(r.index());
        item.withArray("summary").add(summaryPart(text));
        emit(out, event("response.output_item.done").put("output_index", r.index()).set("item", item.deepCopy()));
    }

    private void done(RunEvent.Done done, List<ObjectNode> out) {
        boolean filtered = done.status().equals("failed") && lastError != null && lastError.code().equals("provider_refused");
        boolean completed = done.status().equals("completed");
        String incomplete = filtered || (completed && "content_filter".equals(finish)) ? "content_filter"
                : completed && "length".equals(finish) ? "max_output_tokens" : null;
        String itemStatus = completed && incomplete == null ? "completed" : "incomplete";
        for (Text r : List.copyOf(reasoning.values())) closeReasoning(r, out);
        reasoning.clear();
        closeCalls(out, itemStatus);
        if (answerAgent.isEmpty() && completed && !done.output().isEmpty()) {
            // No agent's text was the answer as it streamed (a workflow ending in a loop): the output comes whole.
            message = openMessage(out);
            message.text().append(done.output());
            emit(out, on(event("response.output_text.delta"), message).put("content_index", 0)
                    .put("delta", done.output()).set("logprobs", Json.MAPPER.createArrayNode()));
        }
        closeMessage(out, itemStatus);
        ObjectNode error = null;
        String status;
        if (incomplete != null) {
            status = "incomplete";
        } else if (completed) {
            status = "completed";
        } else {
            failure = RunFailure.of(runId, done.status(), lastError);
            status = done.status().equals("cancelled") ? "cancelled" : "failed";
            error = Json.object().put("code", failure.details().get(OpenAiErrors.CODE).toString())
                    .put("message", failure.getMessage());
        }
        response.ended(status, error, incomplete, done.usage(), reasoningTokens);
        String type = switch (status) {
            case "completed" -> "response.completed";
            case "incomplete" -> "response.incomplete";
            default -> "response.failed";
        };
        emit(out, event(type).set("response", response.json()));
    }

    private static ObjectNode textPart(String text) {
        ObjectNode part = Json.object().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        return part;
    }

    private static ObjectNode summaryPart(String text) {
        return Json.object().put("type", "summary_text").put("text", text);
    }

    private static ObjectNode event(String type) {
        return Json.object().put("type", type);
    }

    private static ObjectNode on(ObjectNode event, Text item) {
        return event.put("item_id", item.itemId()).put("output_index", item.index());
    }

    /** Numbers the event, last of its fields as OpenAI writes it. */
    private void emit(List<ObjectNode> out, ObjectNode event) {
        event.put("sequence_number", next++);
        out.add(event);
    }

    // ---- as frames of a stream

    @Override
    public byte[] opening() {
        return NOTHING;
    }

    @Override
    public byte[] render(LoggedEvent logged) {
        var bytes = new ByteArrayOutputStream();
        for (ObjectNode e : events(logged)) {
            if (e.get("sequence_number").longValue() > startingAfter) bytes.writeBytes(frame(e));
        }
        return bytes.toByteArray();
    }

    /** A failure of the stream itself, not in the run's log: numbered after every event so far, consuming no number. */
    @Override
    public byte[] streamError(String code, String message) {
        ObjectNode e = event("error").put("code", code).put("message", message + " (run " + runId + ")");
        e.putNull("param");
        e.put("sequence_number", next);
        return frame(e);
    }

    /** Responses streams end with their last event: no {@code [DONE]}. */
    @Override
    public byte[] closing() {
        return NOTHING;
    }

    private static byte[] frame(ObjectNode event) {
        try {
            byte[] head = ("event: " + event.get("type").textValue() + "\ndata: ").getBytes(StandardCharsets.UTF_8);
            byte[] body = Json.MAPPER.writeValueAsBytes(event);
            byte[] frame = new byte[head.length + body.length + 2];
            System.arraycopy(head, 0, frame, 0, head.length);
            System.arraycopy(body, 0, frame, head.length, body.length);
            frame[frame.length - 2] = '\n';
            frame[frame.length - 1] = '\n';
            return frame;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
