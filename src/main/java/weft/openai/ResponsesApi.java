package weft.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.events.LoggedEvent;
import weft.http.HttpError;
import weft.http.Json;
import weft.http.JsonBody;
import weft.http.Request;
import weft.http.Router;
import weft.http.RunLocation;
import weft.http.Api;
import weft.http.RunWaiter;
import weft.runs.Runs;
import weft.store.EventLog;
import weft.store.RunRecord;
import weft.store.Session;
import weft.store.SessionStore;
import weft.store.StoredMessage;
import weft.workflows.Workflow;
import weft.workflows.Workflows;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's Responses, served as Weft runs: {@code POST /v1/responses}, {@code GET
 * /v1/responses/{id}} (with {@code ?stream=true&starting_after=N}, a background response's
 * stream resumed), {@code POST /v1/responses/{id}/cancel}. A response is a run like any other
 * ({@code resp_} + its run id; {@code X-Run-Id}, {@code /v1/runs/{id}}), in a session: a
 * response without {@code previous_response_id} starts one, and one with it goes on in the
 * previous response's session, so the conversation is Weft's, not the client's, to keep.
 */
public final class ResponsesApi {
    /** How long a cancel waits for the run's end, to answer with the cancelled response. */
    private static final Duration CANCEL_WAIT = Duration.ofSeconds(10);

    private final Runs runs;
    private final Workflows workflows;
    private final ModelNames models;
    private final Api.Serving serving;
    private final EventLog events;
    private final SessionStore sessions;

    public ResponsesApi(Runs runs, Workflows workflows, ModelNames models, Api.Serving serving, EventLog events,
                        SessionStore sessions) {
        this.runs = runs;
        this.workflows = workflows;
        this.models = models;
        this.serving = serving;
        this.events = events;
        this.sessions = sessions;
    }

    public List<Router.Route> routes() {
        return List.of(new Router.Route("POST", "/v1/responses", quietly(this::create)),
                new Router.Route("GET", "/v1/responses/{id}", quietly(this::retrieve)),
                new Router.Route("POST", "/v1/responses/{id}/cancel", quietly(this::cancel)));
    }

    /** A handler that reads the log, which may wait. */
    private interface Reading {
        void handle(Request request) throws IOException, InterruptedException;
    }

    /** An interrupted handler is one the server is stopping: it answers nothing more. */
    private static Router.Handler quietly(Reading handler) {
        return request -> {
            try {
                handler.handle(request);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    private void create(Request request) throws IOException, InterruptedException {
        JsonNode body = JsonBody.read(request.exchange(), serving.maxBodyBytes());
        ResponseRequest asked = ResponseRequestReader.read(body, models, serving.limits());
        Continued from = asked.previousResponseId() == null ? Continued.NEW
                : continued(asked.previousResponseId(), request.subject());
        var run = asked.run(from.sessionId(), from.open());
        if (asked.stream()) {
            try (var open = serving.stream().open(request.principal())) {
                RunRecord started = runs.start(run, request.principal(), null).run();
                serving.stream().follow(request.exchange(), open, started, 0, RunLocation.headers(request.exchange(), started), frames(started, -1));
            }
        } else if (asked.background()) {
            RunRecord started = runs.start(run, request.principal(), null).run();
            RunLocation.headers(request.exchange(), started).forEach(request.exchange().getResponseHeaders()::set);
            Json.send(request.exchange(), 200, fold(started).response().json());
        } else {
            RunRecord started = runs.start(run, request.principal(), null).run();
            serving.waiter().answerWhenEnded(request.exchange(), started, this::answer);
        }
    }

    /** The session a response continues and the calls its previous response left for this input to answer. */
    private record Continued(String sessionId, Map<String, String> open) {
        static final Continued NEW = new Continued(null, Map.of());
    }

    /**
     * Where a response that continues {@code previousId} runs: in the previous response's session
     * when that response is the session's last turn; else (the conversation went on from it
     * since) in a new session holding the conversation up to that response, so a conversation
     * can branch as OpenAI's can.
     */
    private Continued continued(String previousId, String subject) throws InterruptedException {
        RunRecord previous = find(previousId, subject, true);
        if (previous.running()) {
            throw OpenAiErrors.invalid("previous_response_id", "Previous response with id '" + previousId
                    + "' is still in progress: wait for it to end (or cancel it) before continuing from it.");
        }
        if (!previous.hasSession()) {
            throw OpenAiErrors.invalid("previous_response_id", "Previous response with id '" + previousId + "' has no "
                    + "conversation to continue: it was a Chat Completions run, which keeps none; send the whole "
                    + "conversation in 'input' instead.");
        }
        Session session = sessions.find(previous.sessionId()).filter(s -> s.owner().equals(subject))
                .orElseThrow(() -> previousNotFound(previousId));
        List<StoredMessage> messages = session.messages();
        int last = -1;
        for (int i = 0; i < messages.size(); i++) if (messages.get(i).runId().equals(previous.id())) last = i;
        if (last < 0) throw previousNotFound(previousId);
        var open = fold(previous).handedBack();
        if (last == messages.size() - 1) return new Continued(session.id(), open);
        Session branch = sessions.create(subject);
        sessions.append(branch.id(), messages.subList(0, last + 1));
        return new Continued(branch.id(), open);
    }

    private void retrieve(Request request) throws IOException, InterruptedException {
        RunRecord run = find(request.param(0), request.subject(), false);
        if (!request.query("stream").map("true"::equals).orElse(false)) {
            Json.send(request.exchange(), 200, fold(run).response().json());
            return;
        }
        if (!echo(run).path("background").asBoolean(false)) {
            throw OpenAiErrors.invalid("stream", "Response '" + request.param(0) + "' was not created with "
                    + "'background': true, so its stream cannot be resumed here; GET /v1/runs/" + run.id()
                    + "/events resumes any run's stream in Weft's own format.");
        }
        long after = startingAfter(request, run);
        try (var open = serving.stream().open(request.principal())) {
            serving.stream().follow(request.exchange(), open, run, 0, RunLocation.headers(request.exchange(), run), frames(run, after));
        }
    }

    /** {@code starting_after}: a sequence number the response has (once it has ended), or -1 for the whole stream. */
    private long startingAfter(Request request, RunRecord run) throws InterruptedException {
        var raw = request.query("starting_after");
        if (raw.isEmpty()) return -1;
        String v = raw.get().strip();
        if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw OpenAiErrors.invalid("starting_after", "Invalid 'starting_after': expected a sequence number of "
                    + "0 or more, but got '" + raw.get() + "'.");
        }
        long after = Long.parseLong(v);
        if (!run.running()) {
            long count = fold(run).count();
            if (after >= count) {
                throw OpenAiErrors.invalid("starting_after", "Invalid 'starting_after': " + after + " is beyond the "
                        + "end of the stream; its events are numbered 0 to " + (count - 1) + ".");
            }
        }
        return after;
    }

    private void cancel(Request request) throws IOException, InterruptedException {
        RunRecord run = find(request.param(0), request.subject(), false);
        if (!echo(run).path("background").asBoolean(false)) {
            throw notCancellable("Only responses created with 'background': true can be cancelled here; "
                    + "POST /v1/runs/" + run.id() + "/cancel cancels any run.");
        }
        if (run.running()) {
            runs.cancel(run);
        } else if (!run.status().wire().equals("cancelled")) {
            throw notCancellable("Cannot cancel a response that has ended (" + fold(run).response().status()
                    + "); only one in progress can be cancelled.");
        }
        Json.send(request.exchange(), 200, fold(run, CANCEL_WAIT).response().json());
    }

    private static HttpError notCancellable(String message) {
        return new HttpError(400, "invalid_request", message, Map.of(), Map.of(OpenAiErrors.CODE, "invalid_request"));
    }

    /** The non-streamed answer: the response as its events fold, or (OpenAI's way) an error when the run failed. */
    private RunWaiter.Reply answer(RunRecord ended) throws IOException, InterruptedException {
        ResponseEvents folded = fold(ended);
        var failure = folded.failure();
        if (failure.isPresent()) {
            return new RunWaiter.Reply(failure.get().status(), Json.MAPPER.writeValueAsBytes(new OpenAiErrors().body(failure.get())));
        }
        return new RunWaiter.Reply(200, Json.MAPPER.writeValueAsBytes(folded.response().json()));
    }

    /** The caller's run that a response id names; another user's is as unknown as one that never was. */
    private RunRecord find(String responseId, String subject, boolean previous) {
        String prefix = ResponseObject.idOf("");
        if (responseId.startsWith(prefix)) {
            var run = runs.find(responseId.substring(prefix.length()), subject);
            if (run.isPresent()) return run.get();
        }
        if (previous) throw previousNotFound(responseId);
        throw new HttpError(404, "not_found", "Response with id '" + responseId + "' not found.", Map.of(), Map.of());
    }

    private static HttpError previousNotFound(String id) {
        return new HttpError(404, "not_found", "Previous response with id '" + id + "' not found.", Map.of(),
                Map.of(OpenAiErrors.PARAM, "previous_response_id", OpenAiErrors.CODE, "previous_response_not_found"));
    }

    private ResponseEvents frames(RunRecord run, long startingAfter) {
        ObjectNode echo = echo(run);
        Set<String> functions = new LinkedHashSet<>();
        for (JsonNode tool : echo.path("tools")) {
            if ("function".equals(tool.path("type").asText())) functions.add(tool.path("name").asText());
        }
        return new ResponseEvents(run.id(), new ResponseObject(ResponseObject.idOf(run.id()), run.createdAt(), echo),
                workflows.find(run.workflow()).flatMap(Workflow::answerAgent), functions, startingAfter);
    }

    /** The run's log so far, folded. */
    private ResponseEvents fold(RunRecord run) throws InterruptedException {
        return fold(run, Duration.ZERO);
    }

    /** The run's log, folded; waiting up to {@code patience} for its {@code done}. */
    private ResponseEvents fold(RunRecord run, Duration patience) throws InterruptedException {
        ResponseEvents folded = frames(run, -1);
        long deadline = System.nanoTime() + patience.toNanos();
        long seq = 0;
        boolean done = false;
        while (!done) {
            Duration wait = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            List<LoggedEvent> batch = events.after(run.id(), seq, wait);
            if (batch.isEmpty()) break;
            for (LoggedEvent e : batch) {
                seq = e.seq();
                folded.events(e);
                done = e.isDone();
            }
        }
        return folded;
    }

    /** What the request chose, as its response repeats it; for a run started elsewhere (Weft's own), Weft's defaults. */
    private static ObjectNode echo(RunRecord run) {
        if (run.echo() != null) {
            try {
                return (ObjectNode) Json.MAPPER.readTree(run.echo());
            } catch (IOException | ClassCastException notOurs) {
                // A record written by another version: answer with the defaults.
            }
        }
        ObjectNode echo = Json.object().put("background", false).put("model", ModelNames.WORKFLOW + run.workflow());
        echo.putArray("tools");
        echo.put("tool_choice", "auto");
        echo.putObject("metadata");
        return echo;
    }

}
