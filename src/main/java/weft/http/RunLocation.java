package weft.http;

import com.sun.net.httpserver.HttpExchange;
import weft.edge.Client;
import weft.store.RunRecord;

import java.util.Map;

/**
 * Where an answer's run can be found again, whatever format the answer is in: {@code X-Run-Id}
 * and {@code Location}, as seen by the client (behind a proxy, its prefix), so a client that
 * gives up can still follow, resume or cancel the run.
 */
public final class RunLocation {
    private RunLocation() {}

    public static Map<String, String> headers(HttpExchange exchange, RunRecord run) {
        return Map.of("X-Run-Id", run.id(), "Location", Client.of(exchange).prefix() + "/v1/runs/" + run.id());
    }
}
