package weft.http;

import weft.events.RunEvent;
import weft.tools.ClientCalls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.auth.Tickets;
import weft.edge.Client;
import weft.runs.Cancellation;
import weft.runs.RunRequest;
import weft.runs.Runs;
import weft.store.RunRecord;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** {@code /v1/runs}: start, follow, resume, inspect and cancel runs. */
final class RunsApi {
    private final Runs runs;
    private final EventStream stream;
    private final RunWaiter waiter;
    private final int maxBodyBytes;
    private final RunRequestReader.Limits limits;
    private final Tickets tickets;
    private final int maxToolResultChars;

    RunsApi(Runs runs, EventStream stream, RunWaiter waiter, int maxBodyBytes, RunRequestReader.Limits limits,
            Tickets tickets, int maxToolResultChars) {
        this.maxToolResultChars = maxToolResultChars;
        this.runs = runs;
        this.tickets = tickets;
        this.stream = stream;
        this.waiter = waiter;
        this.maxBodyBytes = maxBodyBytes;
        this.limits = limits;
    }

    List<Router.Route> routes() {
        return List.of(
                new Router.Route("POST", "/v1/runs", this::start),
                new Router.Route("GET", "/v1/runs/{id}", this::get),
                new Router.Route("GET", "/v1/runs/{id}/events", this::events),
                new Router.Route("POST", "/v1/runs/{id}/cancel", this::cancel),
                new Router.Route("POST", "/v1/runs/{id}/agents/{agent}/cancel", this::cancelAgent),
                new Router.Route("POST", "/v1/runs/{id}/ticket", this::ticket),
                new Router.Route("POST", "/v1/runs/{id}/tool_results", this::toolResults));
    }

    /**
     * Starts a run. With an {@code Idempotency-Key} a retry of the same request gets the same
     * run, streamed from after its {@code Last-Event-ID}, instead of a second one.
     */
    private void start(Request request) throws IOException {
        JsonNode json = JsonBody.read(request.exchange(), maxBodyBytes);
        RunRequest body = RunRequestReader.read(json, limits);
        Runs.Idempotency idem = request.header("Idempotency-Key")
                .map(key -> new Runs.Idempotency(checkKey(key), fingerprint(json))).orElse(null);
        String prefix = Client.of(request.exchange()).prefix();
        if (body.delivery().background()) {
            RunRecord run = runs.start(body, request.principal(), idem).run();
            String location = prefix + "/v1/runs/" + run.id();
            request.exchange().getResponseHeaders().set("Location", location);
            Json.send(request.exchange(), 202, Json.object()
                    .put("run_id", run.id())
                    .put("session_id", run.sessionId())
                    .put("events_url", location + "/events")
                    .put("cancel_url", location + "/cancel"));
        } else if (body.delivery().stream()) {
            // The stream's place is taken first: a run refused its stream is not started at all.
            try (var open = stream.open(request.principal())) {
                Runs.Started started = runs.start(body, request.principal(), idem);
                RunRecord run = started.run();
                long after = started.existing() ? lastEventId(request) : 0;
                stream.follow(request.exchange(), open, run, after, RunLocation.headers(request.exchange(), run));
            }
        } else {
            waiter.answerWhenEnded(request.exchange(), runs.start(body, request.principal(), idem).run());
        }
    }

    private void get(Request request) throws IOException {
        RunRecord run = find(request);
        ObjectNode json = snapshot(run);
        if (run.running()) {
            var waiting = json.putArray("waiting_for");
            try {
                for (RunEvent.ToolCall call : runs.waitingCalls(run)) {
                    ObjectNode c = waiting.addObject().put("call_id", call.callId()).put("agent", call.agent()).put("name", call.name());
                    c.set("arguments", call.arguments());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        Json.send(request.exchange(), 200, json);
    }

    /** A client's answers to the run's calls of its tools: {@code {"results":[{"call_id","result"|"error"}]}}. */
    private void toolResults(Request request) throws IOException {
        RunRecord run = find(request);
        JsonNode body = JsonBody.read(request.exchange(), maxBodyBytes);
        List<ClientCalls.Answer> answers = ToolResultsReader.read(body, maxToolResultChars);
        ClientCalls.Delivery delivery = runs.toolResults(run, answers);
        switch (delivery.outcome()) {
            case ACCEPTED -> {
                ObjectNode ok = Json.object().put("run_id", run.id()).put("status", "accepted");
                var ids = ok.putArray("call_ids");
                answers.forEach(a -> ids.add(a.callId()));
                Json.send(request.exchange(), 202, ok);
            }
            case NOT_WAITING -> throw new HttpError(409, "conflict", "run " + run.id() + " is not waiting for tool results"
                    + (run.running() ? " now: send them after its tool_call event with executor \"client\"" : "; it has ended: " + run.status().wire()),
                    Map.of(), Map.of("run_id", run.id()));
            case ALREADY_ANSWERED -> throw new HttpError(409, "conflict", "call '" + delivery.callId() + "' of run " + run.id()
                    + " has already been answered (or timed out); nothing was taken", Map.of(), Map.of("run_id", run.id(), "call_id", delivery.callId()));
            case UNKNOWN_CALL -> throw HttpError.invalid("run " + run.id() + " waits for no call '" + delivery.callId()
                    + "'; GET /v1/runs/" + run.id() + " lists the calls it waits for (nothing was taken)");
            case NO_ANSWER -> throw noAnswer(run);
        }
    }

    private void events(Request request) throws IOException {
        RunRecord run = find(request);
        stream.follow(request.exchange(), request.principal(), run, lastEventId(request));
    }

    private void cancel(Request request) throws IOException {
        RunRecord run = find(request);
        Cancellation answer = runs.cancel(run);
        switch (answer.outcome()) {
            case ACCEPTED -> Json.send(request.exchange(), 202, Json.object().put("run_id", run.id()).put("status", "cancelling"));
            case ENDED -> throw new HttpError(409, "conflict", "run " + run.id() + " has already ended: " + answer.status(),
                    Map.of(), Map.of("run_id", run.id(), "status", answer.status()));
            case NO_SUCH_AGENT, NO_ANSWER -> throw noAnswer(run);
        }
    }

    /** A short-lived ticket to follow one of the caller's runs where no header can be sent (EventSource). */
    private void ticket(Request request) throws IOException {
        RunRecord run = find(request);
        Json.send(request.exchange(), 200, Json.object()
                .put("ticket", tickets.issue(request.subject(), run.id()))
                .put("expires_in", Tickets.LIFETIME.toSeconds()));
    }

    /** Stops one agent; in a best-effort step the run goes on with the others. */
    private void cancelAgent(Request request) throws IOException {
        RunRecord run = find(request);
        String agent = URLDecoder.decode(request.param(1), StandardCharsets.UTF_8);
        Cancellation answer;
        try {
            answer = runs.cancelAgent(run, agent);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        switch (answer.outcome()) {
            case ACCEPTED -> Json.send(request.exchange(), 202,
                    Json.object().put("run_id", run.id()).put("agent", agent).put("status", "cancelling"));
            case ENDED -> throw new HttpError(409, "conflict", "agent '" + agent + "' of run " + run.id()
                    + " has already ended: " + answer.status(), Map.of(),
                    Map.of("run_id", run.id(), "agent", agent, "status", answer.status()));
            case NO_SUCH_AGENT -> throw HttpError.notFound("run " + run.id() + " has no agent '" + agent
                    + "' (yet): its events name its agents");
            case NO_ANSWER -> throw noAnswer(run);
        }
    }

    private static HttpError noAnswer(RunRecord run) {
        return new HttpError(503, "overloaded", "the instance that executes run " + run.id()
                + " did not answer in time; try again", Map.of("Retry-After", "1"), Map.of());
    }

    private RunRecord find(Request request) {
        String id = request.param(0);
        // An id longer than any Weft makes is as unknown as a missing one, without asking the store.
        var found = id.length() > RunRequestReader.MAX_ID_CHARS ? java.util.Optional.<RunRecord>empty()
                : runs.find(id, request.subject());
        return found.orElseThrow(() -> HttpError.notFound("unknown run '" + shown(id) + "' (runs are kept for a while after they end)"));
    }

    /** An id as an error message quotes it: a long one is cut, so the answer does not echo kilobytes. */
    static String shown(String id) {
        return id.length() <= RunRequestReader.MAX_ID_CHARS ? id : id.substring(0, RunRequestReader.MAX_ID_CHARS) + "…";
    }

    /** Where a resuming client left off: {@code Last-Event-ID} (what EventSource sends) or {@code ?after=}. */
    private static long lastEventId(Request request) {
        var header = request.header("Last-Event-ID");
        var query = request.query("after");
        if (header.isPresent()) return nonNegative("Last-Event-ID", header.get());
        if (query.isPresent()) return nonNegative("after", query.get());
        return 0;
    }

    private static long nonNegative(String name, String value) {
        String v = value.strip();
        if (!v.isEmpty() && v.length() <= 18 && v.chars().allMatch(c -> c >= '0' && c <= '9')) return Long.parseLong(v);
        throw HttpError.invalid(name + " '" + value + "' is not a non-negative integer: send the id of the last event you received");
    }

    /** 1 to 255 printable ASCII characters, as the IETF draft for the header and Stripe's API have it. */
    private static String checkKey(String key) {
        if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw HttpError.invalid("Idempotency-Key must be 1 to 255 printable ASCII characters without spaces, e.g. a UUID; "
                    + (key.length() > 255 ? "this one has " + key.length() + ", and the limit is 255" : "this one has others"));
        }
        return key;
    }

    /** The request body's identity: the same JSON (written the same way) gives the same fingerprint. */
    private static String fingerprint(JsonNode body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Json.MAPPER.writeValueAsBytes(body));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("SHA-256 and a JSON tree always work", e);
        }
    }

    static ObjectNode snapshot(RunRecord run) {
        ObjectNode json = Json.object()
                .put("run_id", run.id())
                .put("session_id", run.sessionId())
                .put("workflow", run.workflow())
                .put("status", run.status().wire());
        if (run.running()) json.putNull("output");
        else json.put("output", run.output());
        json.putObject("usage").put("input_tokens", run.usage().inputTokens()).put("output_tokens", run.usage().outputTokens());
        if (run.usage().estimated()) json.withObject("usage").put("estimated", true);
        json.put("created_at", run.createdAt());
        if (run.running()) json.putNull("ended_at");
        else json.put("ended_at", run.endedAt());
        return json;
    }
}
