package weft.events;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import weft.providers.Usage;

import java.io.IOException;

/**
 * Everything a run can tell its clients, one record per event of the contract.
 * Each knows its SSE event name and writes its own JSON fields; the common ones
 * ({@code run_id}, {@code seq}, {@code ts}, {@code type}) are added by {@link EventJson}.
 */
public sealed interface RunEvent {

    String type();

    void writeFields(JsonGenerator json) throws IOException;

    /** About how many characters of text the event carries, for sizing what memory holds. */
    default int textLength() {
        return switch (this) {
            case Delta d -> d.text().length();
            case AgentCompleted c -> c.text().length();
            case Done d -> d.output() == null ? 0 : d.output().length();
            case AgentProgress p -> p.message().length();
            case Error e -> e.message().length();
            case RunStarted r -> 32;
            case AgentStarted a -> 32;
            case Citation c -> c.title().length() + 32;
            case ToolCallDelta d -> d.argumentsDelta().length() + 32;
            case ToolCall c -> c.arguments().toString().length() + 32;
            case ToolProgress p -> p.message().length() + 32;
            case ToolResult r -> (r.result() == null ? r.error().length() : r.result().toString().length()) + 32;
        };
    }

    /** First event of every run. */
    record RunStarted(String workflow, String sessionId) implements RunEvent {
        public String type() { return "run_started"; }

        public void writeFields(JsonGenerator json) throws IOException {
            json.writeStringField("workflow", workflow);
            json.writeStringField("session_id", sessionId);
        }
    }

    /** An agent begins; {@code parent} is the enclosing workflow step, or null. */
    record AgentStarted(String agent, String parent) implements RunEvent {
        public String type() { return "agent_started"; }

        public void writeFields(JsonGenerator json) throws IOException {
            json.writeStringField("agent", agent);
            if (parent != null) json.writeStringField("parent", parent);
        }
    }

    /** Generated text. Never splits a UTF-16 surrogate pair or a citation marker. */
    record Delta(String agent, String text) implements RunEvent {
        public String type() { return "delta"; }

        public void writeFields(JsonGenerator json) throws IOException {
            json.writeStringField("agent", agent);
            json.writeStringField("text", text);
        }
    }

    /** A status line worth showing. */
    record AgentProgress(String agent, String message) implements RunEvent {
        public String type() { return "agent_progress"; }

        public void writeFields(JsonGenerator json) throws IOException {
            json.writeStringField("agent", agent);
            json.writeStringField("message", message);
        }
    }

    /** A complete marker {@code [n]} that refers to the n-th supplied document. */
    record Citation(String agent, String marker, String documentId, String title) implements RunEvent {
        public String type() { return "citation"; }

        public void writeFields(JsonGenerator json) throws IOException {
            json.writeStringField("agent", agent);
            json.writeStringField("marker", marker);
            json.writeStringField("document_id", documentId);
            json.writeStringField("title", title);
        }
    }

    /**
     * An agent finished (or was stopped); {@code text} is exactly its deltas joined.
     * {@code finishReason} says why its model stopped, in OpenAI's words whatever the provider
     * ({@code stop}, {@code length}, {@code tool_calls}, {@code content_filter}); null for an
     * agent that was stopped before its model finished.
     */
    record AgentCompleted(String agent, String text, Usage usage, String finishReason) implements RunEvent {
        public AgentCompleted(String agent, String text, Usage usage) {
            this(agent, text, usage, null);
        }

        public String type() { return "agent_completed"; }

        public void writeFields(JsonGenerator json) throws IOException {
            json.writeStringField("agent", agent);
            json.writeStringField("text", text);
            if (finishReason != null) json.writeStringField("finish_reason", finishReason);
            EventJson.writeUsage(json, usage);
        }
    }

    /**
     * A piece of a tool call's arguments as the model writes them; {@code name} is on the
     * call's first piece only. A call's pieces joined are exactly the JSON text the model wrote.
     */
    record ToolCallDelta(String agent, String callId, String name, String argumentsDelta) implements RunEvent {
        public String type() { return "tool_call_delta"; }

        public void writeFields(JsonGenerator json) throws IOException {
            json.writeStringField("agent", agent);
            json.writeStringField("call_id", callId);
            if (name != null) json.writeStringField("name", name);
            json.writeStringField("arguments_delta", argumentsDelta);
        }
    }

    /** A complete, checked call, about to run; {@code executor} is {@code server} or {@code client}. */
    record ToolCall(String agent, String callId, String name, JsonNode arguments, String executor) implements RunEvent {
        public String type() { return "tool_call"; }

        public void writeFields(JsonGenerator json) throws IOException {
            json.writeStringField("agent", agent);
            json.writeStringField("call_id", callId);
            json.writeStringField("name", name);
            json.writeFieldName("arguments");
            EventJson.writeTree(json, arguments);
            json.writeStringField("executor", executor);
        }
    }

    /** A tool that reports as it goes says how far it is. */
    record ToolProgress(String agent, String callId, String message) implements RunEvent {
        public String type() { return "tool_progress"; }

        public void writeFields(JsonGenerator json) throws IOException {
            json.writeStringField("agent", agent);
            json.writeStringField("call_id", callId);
            json.writeStringField("message", message);
        }
    }

    /** A call's answer: {@code result} (any JSON) or {@code error} (a message), never both. */
    record ToolResult(String agent, String callId, String name, JsonNode result, String error) implements RunEvent {
        public String type() { return "tool_result"; }

        public void writeFields(JsonGenerator json) throws IOException {
            json.writeStringField("agent", agent);
            json.writeStringField("call_id", callId);
            json.writeStringField("name", name);
            if (error != null) {
                json.writeStringField("error", error);
            } else {
                json.writeFieldName("result");
                EventJson.writeTree(json, result);
            }
        }
    }

    /** Something failed; {@code agent} is null when no single agent is to blame. */
    record Error(String code, String message, boolean retryable, String agent) implements RunEvent {
        public String type() { return "error"; }

        public void writeFields(JsonGenerator json) throws IOException {
            json.writeStringField("code", code);
            json.writeStringField("message", message);
            json.writeBooleanField("retryable", retryable);
            if (agent != null) json.writeStringField("agent", agent);
        }
    }

    /** Always the last event of a run. */
    record Done(String status, String output, Usage usage) implements RunEvent {
        public String type() { return "done"; }

        public void writeFields(JsonGenerator json) throws IOException {
            json.writeStringField("status", status);
            json.writeStringField("output", output);
            EventJson.writeUsage(json, usage);
        }
    }
}
