package weft.testing;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Requests to a {@link TestServer} carrying {@code Authorization: Bearer <token>}, as one user sends them. */
public record Caller(TestServer server, String token) {

    /** A caller with a fresh valid token for {@code subject}. */
    public static Caller as(TestServer server, String subject) {
        return new Caller(server, Tokens.of(subject));
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + token);
    }

    public HttpResponse<String> get(String path) {
        return server.send(request(path));
    }

    public HttpResponse<String> post(String path, String body) {
        return server.send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public HttpResponse<String> delete(String path) {
        return server.send(request(path).DELETE());
    }

    /** Starts a background run and returns its id. */
    public String startBackground(String fields) {
        var response = post("/v1/runs", "{\"background\":true," + fields + "}");
        if (response.statusCode() != 202) throw new AssertionError("expected 202, got " + response.statusCode() + " " + response.body());
        return TestServer.json(response).get("run_id").asText();
    }

    /** Starts a streamed run: the response is its SSE stream. */
    public SseStream streamRun(String body) {
        return server.stream(request("/v1/runs").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Follows a run's events with this caller's token and any extra headers. */
    public SseStream follow(String runId, String... headers) {
        var request = request("/v1/runs/" + runId + "/events");
        if (headers.length > 0) request.headers(headers);
        return server.stream(request);
    }

    /** A ticket for one of this caller's runs. */
    public String ticket(String runId) {
        var response = post("/v1/runs/" + runId + "/ticket", "");
        if (response.statusCode() != 200) throw new AssertionError("expected 200, got " + response.statusCode() + " " + response.body());
        return TestServer.json(response).get("ticket").asText();
    }
}
