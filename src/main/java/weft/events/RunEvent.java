package weft.events;

import com.fasterxml.jackson.core.JsonGenerator;
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

    /** An agent finished (or was stopped); {@code text} is exactly its deltas joined. */
    record AgentCompleted(String agent, String text, Usage usage) implements RunEvent {
        public String type() { return "agent_completed"; }

        public void writeFields(JsonGenerator json) throws IOException {
            json.writeStringField("agent", agent);
            json.writeStringField("text", text);
            EventJson.writeUsage(json, usage);
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
