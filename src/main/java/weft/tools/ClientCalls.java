package weft.tools;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The calls of one run that wait for its client: a client tool's call registers here and
 * blocks, and {@code POST /v1/runs/{id}/tool_results} (passed to the executing instance when
 * it arrives elsewhere) hands the answers in. A batch of answers is taken whole or not at all,
 * so a client that sends one wrong id learns it without half its results being used.
 */
public final class ClientCalls {

    /** A client's answer to one call: {@code result} (any JSON), or {@code error} (a message). */
    public record Answer(String callId, JsonNode result, String error) {}

    /** How a batch of answers was taken. */
    public enum Outcome {
        ACCEPTED, NOT_WAITING, UNKNOWN_CALL, ALREADY_ANSWERED,
        /** The instance that executes the run did not answer in time. */
        NO_ANSWER
    }

    /** The outcome, and for a refusal the call id it is about. */
    public record Delivery(Outcome outcome, String callId) {}

    private final Map<String, CompletableFuture<Answer>> waiting = new LinkedHashMap<>();
    private final Set<String> answered = new HashSet<>();

    /**
     * Makes room for the answer to {@code callId} before the call is shown: a quick client may
     * post its answer before the waiting thread gets as far as {@link #await}.
     */
    synchronized void expect(String callId) {
        waiting.putIfAbsent(callId, new CompletableFuture<>());
    }

    /** Waits for the client's answer to {@code callId}; a timeout is the tool's failure. */
    JsonNode await(String callId, String name, Duration timeout) throws ToolFailure, InterruptedException {
        CompletableFuture<Answer> answer;
        synchronized (this) {
            answer = waiting.computeIfAbsent(callId, id -> new CompletableFuture<>());
        }
        try {
            Answer a = answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (a.error() != null) throw new ToolFailure("client_error", a.error());
            return a.result();
        } catch (TimeoutException e) {
            throw new ToolFailure("tool_timeout", "the client did not answer the call of '" + name + "' within "
                    + weft.config.Settings.human(timeout) + " (WEFT_TOOL_TIMEOUT)");
        } catch (ExecutionException e) {
            throw new IllegalStateException("an answer is only ever completed normally", e);
        } finally {
            synchronized (this) {
                waiting.remove(callId);
                answered.add(callId); // from now on a late answer is told the call is over
            }
        }
    }

    /** The ids of the calls that wait now, oldest first. */
    public synchronized List<String> waitingIds() {
        return new ArrayList<>(waiting.keySet());
    }

    /** Takes the client's answers if every one is for a call that waits, else none of them. */
    public synchronized Delivery deliver(List<Answer> answers) {
        if (waiting.isEmpty()) return new Delivery(Outcome.NOT_WAITING, null);
        var seen = new HashSet<String>();
        for (Answer a : answers) {
            if (answered.contains(a.callId()) || !seen.add(a.callId())) return new Delivery(Outcome.ALREADY_ANSWERED, a.callId());
            if (!waiting.containsKey(a.callId())) return new Delivery(Outcome.UNKNOWN_CALL, a.callId());
        }
        for (Answer a : answers) {
            answered.add(a.callId());
            waiting.get(a.callId()).complete(a); // await removes it once it has read it
        }
        return new Delivery(Outcome.ACCEPTED, null);
    }
}
