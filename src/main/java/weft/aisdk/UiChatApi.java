package weft.aisdk;

import weft.http.EventStream;
import weft.http.HttpError;
import weft.http.JsonBody;
import weft.http.Request;
import weft.http.Router;
import weft.http.RunLocation;
import weft.http.Api;
import weft.http.RunRequestReader;
import weft.runs.RunRequest;
import weft.runs.Runs;
import weft.store.RunRecord;
import weft.store.SessionLocks;
import weft.store.SessionStore;
import weft.workflows.Workflow;
import weft.workflows.Workflows;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /v1/ui/chat}: Weft as the backend of the AI SDK's {@code useChat}. A chat request is
 * a normal run of the chat's session, streamed as the UI message stream; {@code GET
 * /v1/ui/chat/{id}/stream} replays the chat's running run from its start, which is what
 * {@code useChat({ resume: true })} asks for.
 */
public final class UiChatApi {
    private final Runs runs;
    private final EventStream stream;
    private final SessionStore sessions;
    private final SessionLocks locks;
    private final Workflows workflows;
    private final int maxBodyBytes;
    private final RunRequestReader.Limits limits;

    public UiChatApi(Runs runs, Api.Serving serving, SessionStore sessions, SessionLocks locks, Workflows workflows) {
        this.runs = runs;
        this.stream = serving.stream();
        this.sessions = sessions;
        this.locks = locks;
        this.workflows = workflows;
        this.maxBodyBytes = serving.maxBodyBytes();
        this.limits = serving.limits();
    }

    public java.util.List<Router.Route> routes() {
        return java.util.List.of(
                new Router.Route("POST", "/v1/ui/chat", this::chat),
                new Router.Route("GET", "/v1/ui/chat/{id}/stream", this::resume));
    }

    /**
     * The chat's id names the session, namespaced by the caller: the client picks the id, so
     * another user's same id must be another session, never a way into theirs.
     */
    static String sessionId(String subject, String chatId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((subject + "\0" + chatId).getBytes(StandardCharsets.UTF_8));
            return "c_" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private void chat(Request request) throws IOException {
        var chat = UiChatRequestReader.read(JsonBody.read(request.exchange(), maxBodyBytes), limits);
        String sessionId = sessionId(request.subject(), chat.chatId());
        if (sessions.findOrCreate(sessionId, request.subject()).isEmpty()) {
            // Only a hash collision could get here: the id is derived from the caller's subject.
            throw new HttpError(409, "conflict", "chat '" + chat.chatId() + "' cannot be used; start a chat with another id");
        }
        RunRequest asked = chat.run();
        var run = new RunRequest(asked.input(), asked.workflow(), RunRequest.Conversation.inSession(sessionId), asked.model(),
                asked.documents(), asked.tooling(), new RunRequest.Delivery(true, false, asked.delivery().onDisconnect()), null);
        // The stream's place is taken first: a run refused its stream is not started at all.
        try (var open = stream.open(request.principal())) {
            RunRecord started = runs.start(run, request.principal(), null).run();
            stream.follow(request.exchange(), open, started, 0, headers(request, started), frames(started));
        }
    }

    /** The chat's running run from its first event, or 204: what the AI SDK's reconnect expects. */
    private void resume(Request request) throws IOException {
        String chatId = URLDecoder.decode(request.param(0), StandardCharsets.UTF_8);
        Optional<RunRecord> running = chatId.length() > UiChatRequestReader.MAX_CHAT_ID_CHARS ? Optional.empty()
                : locks.holder(sessionId(request.subject(), chatId))
                        .flatMap(runId -> runs.find(runId, request.subject()))
                        .filter(RunRecord::running);
        if (running.isEmpty()) {
            request.exchange().sendResponseHeaders(204, -1);
            return;
        }
        try (var open = stream.open(request.principal())) {
            stream.follow(request.exchange(), open, running.get(), 0, headers(request, running.get()), frames(running.get()));
        }
    }

    private static Map<String, String> headers(Request request, RunRecord run) {
        var headers = new java.util.HashMap<>(RunLocation.headers(request.exchange(), run));
        headers.put("x-vercel-ai-ui-message-stream", "v1");
        return headers;
    }

    private UiStreamFrames frames(RunRecord run) {
        return new UiStreamFrames(run.id(), workflows.find(run.workflow()).map(Workflow::finalAgents).orElse(Set.of()));
    }
}
