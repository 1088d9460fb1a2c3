package weft.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.store.Session;
import weft.store.SessionStore;
import weft.store.StoredMessage;

import java.io.IOException;
import java.util.List;

/** {@code /v1/sessions/{id}}: read and delete conversations. */
final class SessionsApi {
    private final SessionStore sessions;

    SessionsApi(SessionStore sessions) {
        this.sessions = sessions;
    }

    List<Router.Route> routes() {
        return List.of(
                new Router.Route("GET", "/v1/sessions/{id}", this::get),
                new Router.Route("DELETE", "/v1/sessions/{id}", this::delete));
    }

    private void get(Request request) throws IOException {
        Session session = find(request);
        ObjectNode json = Json.object().put("session_id", session.id());
        ArrayNode messages = json.putArray("messages");
        for (StoredMessage m : session.messages()) {
            weft.store.MessageJson.write(messages.addObject(), m);
        }
        Json.send(request.exchange(), 200, json);
    }

    private void delete(Request request) throws IOException {
        sessions.delete(find(request).id());
        request.exchange().sendResponseHeaders(204, -1);
    }

    private Session find(Request request) {
        String id = request.param(0);
        var found = id.length() > RunRequestReader.MAX_ID_CHARS ? java.util.Optional.<Session>empty() : sessions.find(id);
        return found.filter(s -> s.owner().equals(request.subject()))
                .orElseThrow(() -> HttpError.notFound("unknown session '" + RunsApi.shown(id) + "'"));
    }
}
