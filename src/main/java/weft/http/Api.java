package weft.http;

import weft.auth.Authenticator;
import weft.metrics.Metrics;
import weft.providers.Providers;
import weft.runs.Runs;
import weft.store.SessionStore;
import weft.workflows.Workflows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The whole HTTP interface of the contract, as one router. */
public final class Api {
    private Api() {}

    public static Router router(Runs runs, SessionStore sessions, Providers providers, Workflows workflows, Metrics metrics,
                                Authenticator authenticator, Duration heartbeat, Duration retry, int maxBodyBytes) {
        var routes = new ArrayList<Router.Route>();
        routes.addAll(new RunsApi(runs, new EventStream(runs, metrics, heartbeat, retry), maxBodyBytes).routes());
        routes.addAll(new SessionsApi(sessions).routes());
        routes.addAll(new SystemApi(providers, workflows, metrics).routes());
        return new Router(authenticator, metrics, List.copyOf(routes));
    }
}
