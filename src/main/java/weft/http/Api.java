package weft.http;

import weft.aisdk.UiChatApi;
import weft.auth.Tickets;
import weft.metrics.Metrics;
import weft.providers.Providers;
import weft.runs.Runs;
import weft.runs.StreamLimits;
import weft.store.Stores;
import weft.workflows.Workflows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The whole HTTP interface of the contract, as one router. */
public final class Api {
    private Api() {}

    /** How streams and bodies behave, and what one run request may ask for. */
    public record Options(Duration heartbeat, Duration retry, int maxBodyBytes,
                          int maxDocuments, int maxDocumentChars, int maxTokens,
                          int maxTools, List<String> serverTools, int maxToolResultChars) {}

    /** Who may call: the tickets the ticket endpoint issues, and whether the server runs open (WEFT_INSECURE=1). */
    public record Access(Tickets tickets, boolean insecure) {}

    public static Router router(Runs runs, Stores stores, Providers providers, Workflows workflows, Metrics metrics,
                                StreamLimits streams, Options options, Access access) {
        var stream = new EventStream(runs, stores.runs(), stores.events(), metrics, streams, options.heartbeat(),
                options.retry());
        var waiter = new RunWaiter(runs, stores.runs(), stores.events(), options.heartbeat());
        var limits = new RunRequestReader.Limits(options.maxDocuments(), options.maxDocumentChars(), options.maxTokens(),
                options.maxTools(), options.serverTools());
        var routes = new ArrayList<Router.Route>();
        routes.addAll(new RunsApi(runs, stream, waiter, options.maxBodyBytes(), limits,
                access.tickets(), options.maxToolResultChars()).routes());
        routes.addAll(new UiChatApi(runs, stream, stores.sessions(), stores.locks(), workflows, options.maxBodyBytes(),
                limits).routes());
        routes.addAll(new SessionsApi(stores.sessions()).routes());
        routes.addAll(new SystemApi(providers, workflows, metrics, stores.health(), access.insecure()).routes());
        return new Router(metrics, List.copyOf(routes));
    }
}
