package weft.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.metrics.Metrics;
import weft.providers.Providers;
import weft.store.Stores;
import weft.workflows.WorkflowJson;
import weft.workflows.Workflows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Health, metrics and the list of workflows. */
final class SystemApi {
    private final Providers providers;
    private final Workflows workflows;
    private final Metrics metrics;
    private final Stores.Health stores;
    private final boolean insecure;

    SystemApi(Providers providers, Workflows workflows, Metrics metrics, Stores.Health stores, boolean insecure) {
        this.stores = stores;
        this.insecure = insecure;
        this.providers = providers;
        this.workflows = workflows;
        this.metrics = metrics;
    }

    List<Router.Route> routes() {
        return List.of(
                new Router.Route("GET", "/healthz", Router.Access.PUBLIC, this::health),
                new Router.Route("GET", "/metrics", Router.Access.OPERATOR, this::metrics),
                new Router.Route("GET", "/v1/workflows", this::workflows));
    }

    private void health(Request request) throws IOException {
        var problem = stores.problem();
        ObjectNode json = Json.object().put("status", problem.isEmpty() ? "ok" : "unavailable");
        problem.ifPresent(p -> json.put("problem", p));
        if (insecure) json.put("insecure", true); // open to anyone on purpose (WEFT_INSECURE=1): monitors should see it
        json.put("default_provider", providers.defaultProvider().name());
        providers.availableNames().forEach(json.putArray("providers")::add);
        if (problem.isPresent()) request.exchange().getResponseHeaders().set("Retry-After", "2");
        Json.send(request.exchange(), problem.isEmpty() ? 200 : 503, json);
    }

    private void metrics(Request request) throws IOException {
        byte[] body = metrics.render().getBytes(StandardCharsets.UTF_8);
        request.exchange().getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        Json.sendBytes(request.exchange(), 200, body);
    }

    /** Every workflow with its step tree, in the workflows file's format, and the providers agents may name. */
    private void workflows(Request request) throws IOException {
        ObjectNode json = Json.object();
        ArrayNode list = json.putArray("workflows");
        workflows.all().forEach(workflow -> list.add(WorkflowJson.describe(workflow)));
        providers.availableNames().forEach(json.putArray("providers")::add);
        Json.send(request.exchange(), 200, json);
    }
}
