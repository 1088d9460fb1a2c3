package weft.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.runs.Run;
import weft.runs.RunRequest;
import weft.runs.RunStatus;
import weft.runs.Runs;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/** {@code /v1/runs}: start, follow, resume, inspect and cancel runs. */
final class RunsApi {
    private final Runs runs;
    private final EventStream stream;
    private final int maxBodyBytes;

    RunsApi(Runs runs, EventStream stream, int maxBodyBytes) {
        this.runs = runs;
        this.stream = stream;
        this.maxBodyBytes = maxBodyBytes;
    }

    List<Router.Route> routes() {
        return List.of(
                new Router.Route("POST", "/v1/runs", this::start),
                new Router.Route("GET", "/v1/runs/{id}", this::get),
                new Router.Route("GET", "/v1/runs/{id}/events", this::events),
                new Router.Route("POST", "/v1/runs/{id}/cancel", this::cancel),
                new Router.Route("POST", "/v1/runs/{id}/agents/{agent}/cancel", this::cancelAgent));
    }

    private void start(Request request) throws IOException {
        RunRequest body = RunRequestReader.read(JsonBody.read(request.exchange(), maxBodyBytes));
        Run run = runs.start(body, request.subject());
        String location = "/v1/runs/" + run.id();
        if (body.background()) {
            request.exchange().getResponseHeaders().set("Location", location);
            Json.send(request.exchange(), 202, Json.object()
                    .put("run_id", run.id())
                    .put("session_id", run.sessionId())
                    .put("events_url", location + "/events")
                    .put("cancel_url", location + "/cancel"));
        } else if (body.stream()) {
            stream.follow(request.exchange(), run, 0, Map.of("X-Run-Id", run.id(), "Location", location));
        } else {
            runs.attach(run);
            try {
                Json.send(request.exchange(), 200, snapshot(run.finished().get()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a run's completion never fails", e);
            } finally {
                runs.detach(run);
            }
        }
    }

    private void get(Request request) throws IOException {
        Json.send(request.exchange(), 200, snapshot(find(request)));
    }

    private void events(Request request) throws IOException {
        Run run = find(request);
        stream.follow(request.exchange(), run, lastEventId(request), Map.of());
    }

    private void cancel(Request request) throws IOException {
        Run run = find(request);
        var result = runs.cancel(run);
        if (!result.accepted()) {
            throw new HttpError(409, "conflict", "run " + run.id() + " has already ended: " + result.outcome().wire(),
                    Map.of(), Map.of("run_id", run.id(), "status", result.outcome().wire()));
        }
        Json.send(request.exchange(), 202, Json.object().put("run_id", run.id()).put("status", "cancelling"));
    }

    /** Stops one agent; in a best-effort step the run goes on with the others. */
    private void cancelAgent(Request request) throws IOException {
        Run run = find(request);
        String agent = java.net.URLDecoder.decode(request.param(1), java.nio.charset.StandardCharsets.UTF_8);
        var result = run.cancelAgent(agent).orElseThrow(() -> HttpError.notFound("run " + run.id()
                + " has no agent '" + agent + "' (yet): its events name its agents"));
        if (!result.accepted()) {
            String ended = result.outcome() == null ? "completed" : result.outcome().name().toLowerCase(java.util.Locale.ROOT);
            throw new HttpError(409, "conflict", "agent '" + agent + "' of run " + run.id() + " has already ended: " + ended,
                    Map.of(), Map.of("run_id", run.id(), "agent", agent, "status", ended));
        }
        Json.send(request.exchange(), 202, Json.object().put("run_id", run.id()).put("agent", agent).put("status", "cancelling"));
    }

    private Run find(Request request) {
        String id = request.param(0);
        return runs.find(id).filter(run -> run.owner().equals(request.subject()))
                .orElseThrow(() -> HttpError.notFound("unknown run '" + id + "' (runs are kept for a while after they end)"));
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

    static ObjectNode snapshot(Run run) {
        Run.Snapshot s = run.snapshot();
        ObjectNode json = Json.object()
                .put("run_id", s.runId())
                .put("session_id", s.sessionId())
                .put("workflow", s.workflow())
                .put("status", s.status().wire());
        if (s.status() == RunStatus.RUNNING) json.putNull("output");
        else json.put("output", s.output());
        json.putObject("usage").put("input_tokens", s.usage().inputTokens()).put("output_tokens", s.usage().outputTokens());
        if (s.usage().estimated()) json.withObject("usage").put("estimated", true);
        json.put("created_at", s.createdAt());
        if (s.endedAt() == null) json.putNull("ended_at");
        else json.put("ended_at", s.endedAt());
        return json;
    }
}
