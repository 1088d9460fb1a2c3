package weft.http;

import org.junit.jupiter.api.Test;
import weft.testing.BrokenStores;
import weft.testing.TestServer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** An {@code Error} in a handler (a class that cannot load) answers the contract's JSON 500 and is logged once, not per request. */
class HandlerErrorTest {

    @Test
    void anErrorInAHandlerAnswersJson500AndIsLoggedOnce() {
        var broken = new BrokenStores();
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            public void publish(LogRecord r) { if (r.getLevel().intValue() >= Level.SEVERE.intValue()) logged.add(r); }
            public void flush() {}
            public void close() {}
        };
        Logger weft = Logger.getLogger("weft");
        weft.addHandler(capture);
        try (var server = TestServer.start(Map.of(), broken::wrap)) {
            String runId = server.startBackground("\"input\":\"hi\"");
            broken.failWithError("runs.find", () -> new NoClassDefFoundError("Could not initialize class weft/http/Json"));
            for (int i = 0; i < 20; i++) {
                var response = server.get("/v1/runs/" + runId);
                assertEquals(500, response.statusCode(), response.body());
                assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
                assertEquals("internal_error", TestServer.json(response).at("/error/code").asText());
            }
            assertEquals(1, logged.size(), "one log line for twenty failures alike");
            assertEquals(NoClassDefFoundError.class, logged.getFirst().getThrown().getClass());

            broken.failWithError("runs.find", () -> new StackOverflowError("another kind"));
            assertEquals(500, server.get("/v1/runs/" + runId).statusCode());
            assertEquals(2, logged.size(), "a failure of another kind is logged too");

            broken.heal();
            assertEquals(200, server.get("/v1/runs/" + runId).statusCode());
        } finally {
            weft.removeHandler(capture);
        }
    }
}
