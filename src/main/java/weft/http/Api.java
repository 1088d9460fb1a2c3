package weft.http;

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

    /**
     * How every format serves a run: following its log onto a response, or waiting for its end.
     * Other formats (OpenAI's, the AI SDK's) are given these to make their routes with.
     */
    public record Serving(EventStream stream, RunWaiter waiter, RunRequestReader.Limits limits, int maxBodyBytes) {
        public static Serving of(Runs runs, Stores stores, Metrics metrics, StreamLimits streams, Options options) {
            return new Serving(new EventStream(runs, stores.runs(), stores.events(), metrics, streams, options.heartbeat(),
                    options.retry()), new RunWaiter(runs, stores.runs(), stores.events(), options.heartbeat()),
                    new RunRequestReader.Limits(options.maxDocuments(), options.maxDocumentChars(), options.maxTokens(),
                            options.maxTools(), options.serverTools()), options.maxBodyBytes());
        }
    }

    /** Weft's own routes and {@code faces}, the routes of the other formats. */
    public static Router router(Serving serving, Runs runs, Stores stores, Providers providers, Workflows workflows,
                                Metrics metrics, Options options, Access access, List<Router.Route> faces) {
        var routes = new ArrayList<Router.Route>();
        routes.addAll(new RunsApi(runs, serving.stream(), serving.waiter(), options.maxBodyBytes(), serving.limits(),
                access.tickets(), options.maxToolResultChars()).routes());
        routes.addAll(new SessionsApi(stores.sessions()).routes());
        routes.addAll(new SystemApi(providers, workflows, metrics, stores.health(), access.insecure()).routes());
        routes.addAll(faces);
        return new Router(metrics, List.copyOf(routes));
    }
}
