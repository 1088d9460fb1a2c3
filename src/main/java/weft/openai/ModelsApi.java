package weft.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.http.HttpError;
import weft.http.Json;
import weft.http.Request;
import weft.http.Router;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/models} and {@code GET /v1/models/{model}}, as OpenAI lists and retrieves models. */
public final class ModelsApi {
    private final ModelNames names;
    /** When this server started, in epoch seconds: what {@code created} says, the same on every call. */
    private final long created;

    public ModelsApi(ModelNames names, long createdEpochSeconds) {
        this.names = names;
        this.created = createdEpochSeconds;
    }

    public List<Router.Route> routes() {
        return List.of(new Router.Route("GET", "/v1/models", this::list),
                new Router.Route("GET", "/v1/models/{model}", this::retrieve),
                // SDKs put a name with a slash into the path as it is: /v1/models/workflow/research
                new Router.Route("GET", "/v1/models/{owner}/{model}", this::retrieve));
    }

    private void list(Request request) throws IOException {
        ObjectNode json = Json.object().put("object", "list");
        ArrayNode data = json.putArray("data");
        names.listed().forEach(name -> data.add(model(name)));
        Json.send(request.exchange(), 200, json);
    }

    /** One model; a name with a slash may arrive as two segments or as {@code workflow%2Fresearch}. */
    private void retrieve(Request request) throws IOException {
        String name = String.join("/", request.pathParams().stream()
                .map(p -> URLDecoder.decode(p, StandardCharsets.UTF_8)).toList());
        if (!names.listed().contains(name)) {
            names.resolve(name); // a name that resolves to nothing gets resolve's own 404
            throw new HttpError(404, "not_found", "The model '" + name + "' is not one this server lists; it would "
                    + "be sent to the default provider as a model name. GET /v1/models lists the models it has.",
                    Map.of(), Map.of(OpenAiErrors.PARAM, "model", OpenAiErrors.CODE, "model_not_found"));
        }
        Json.send(request.exchange(), 200, model(name));
    }

    private ObjectNode model(String name) {
        return Json.object().put("id", name).put("object", "model").put("created", created).put("owned_by", owner(name));
    }

    private static String owner(String name) {
        int slash = name.indexOf('/');
        return name.startsWith(ModelNames.WORKFLOW) ? "weft" : slash < 0 ? name : name.substring(0, slash);
    }
}
