package weft.http;

import com.sun.net.httpserver.HttpExchange;
import weft.events.LoggedEvent;
import weft.runs.Runs;
import weft.store.EventLog;
import weft.store.RunRecord;
import weft.store.RunStore;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;

/**
 * Answers {@code "stream": false}: waits for the run's end, then sends the run's JSON. The
 * client counts as a follower while it waits, so it must be noticed when it leaves, and a
 * vanished client is only noticed when a write fails. So a run that outlasts one heartbeat
 * interval gets its {@code 200} and a space (JSON allows whitespace before a value) each
 * interval; a quick run keeps its real status code.
 */
public final class RunWaiter {

    /** The answer for a run that has ended: its status code and JSON body, in the request's format. */
    @FunctionalInterface
    public interface Answer {
        Reply reply(RunRecord ended) throws IOException, InterruptedException;
    }

    public record Reply(int status, byte[] json) {}

    private static final byte[] SPACE = {' '};

    private final Runs runs;
    private final RunStore records;
    private final EventLog events;
    private final Duration heartbeat;

    public RunWaiter(Runs runs, RunStore records, EventLog events, Duration heartbeat) {
        this.runs = runs;
        this.records = records;
        this.events = events;
        this.heartbeat = heartbeat;
    }

    /** Answers with the run's JSON, {@code GET /v1/runs/{id}}'s, once it has ended. */
    void answerWhenEnded(HttpExchange exchange, RunRecord run) throws IOException {
        answerWhenEnded(exchange, run, ended -> new Reply(200, Json.MAPPER.writeValueAsBytes(RunsApi.snapshot(ended))));
    }

    /**
     * Waits for the run's end and sends {@code answer}'s reply. A run that outlasts a heartbeat
     * has sent its {@code 200} already, so a failed run's reply then keeps that status.
     */
    public void answerWhenEnded(HttpExchange exchange, RunRecord run, Answer answer) throws IOException {
        // Known before the answer is: a client that gives up can still find, follow or cancel the run.
        RunLocation.headers(exchange, run).forEach(exchange.getResponseHeaders()::set);
        runs.attach(run);
        OutputStream body = null;
        try {
            long after = 0;
            long heartbeatNanos = heartbeat.toNanos();
            long nextBeat = System.nanoTime() + heartbeatNanos;
            boolean ended = !run.running();
            while (!ended) {
                long wait = Math.max(1, nextBeat - System.nanoTime());
                List<LoggedEvent> batch = events.after(run.id(), after, Duration.ofNanos(wait));
                if (!batch.isEmpty()) {
                    after = batch.getLast().seq();
                    ended = batch.getLast().isDone();
                } else {
                    ended = records.find(run.id()).map(r -> !r.running()).orElse(true);
                }
                if (ended || System.nanoTime() < nextBeat) continue;
                if (body == null) {
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, 0);
                    body = exchange.getResponseBody();
                }
                body.write(SPACE);
                body.flush(); // fails once the client has gone, and then the run's policy applies
                nextBeat = System.nanoTime() + heartbeatNanos;
            }
            RunRecord end = records.find(run.id()).orElse(run);
            Reply reply = answer.reply(end);
            byte[] json = reply.json();
            if (body == null) {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(reply.status(), json.length);
                body = exchange.getResponseBody();
            }
            body.write(json);
            body.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            runs.detach(run);
        }
    }
}
