package weft.http;

import weft.metrics.Metrics;
import weft.providers.Providers;
import weft.runs.Runs;
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
                          int maxDocuments, int maxDocumentChars, int maxTokens) {}

    public static Router router(Runs runs, Stores stores, Providers providers, Workflows workflows, Metrics metrics,
                                Options options) {
        var stream = new EventStream(runs, stores.runs(), stores.events(), metrics, options.heartbeat(), options.retry());
        var waiter = new RunWaiter(runs, stores.runs(), stores.events(), options.heartbeat());
        var routes = new ArrayList<Router.Route>();
        routes.addAll(new RunsApi(runs, stream, waiter, options.maxBodyBytes(),
                new RunRequestReader.Limits(options.maxDocuments(), options.maxDocumentChars(), options.maxTokens())).routes());
        routes.addAll(new SessionsApi(stores.sessions()).routes());
        routes.addAll(new SystemApi(providers, workflows, metrics, stores.health()).routes());
        return new Router(metrics, List.copyOf(routes));
    }
}
