package weft.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.ScriptedProvider;
import weft.testing.TestServer;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code HEAD} on every {@code GET} route: the status and headers a {@code GET} gets, no body, and no stream followed. */
class HeadTest {
    private static final ScriptedProvider SLOW = ScriptedProvider.of("slow",
            IntStream.range(0, 100_000).mapToObj(i -> " w" + i).toList()).pausing(Duration.ofMillis(20));
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(SLOW);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> head(String path) {
        return server.send(HttpRequest.newBuilder(server.uri(path)).HEAD().timeout(Duration.ofSeconds(10)));
    }

    private static void assertLikeGet(String path) {
        var get = server.get(path);
        var head = head(path);
        assertEquals(get.statusCode(), head.statusCode(), path);
        assertEquals("", head.body(), path);
        assertEquals(get.headers().firstValue("Content-Type"), head.headers().firstValue("Content-Type"), path);
        if (!path.equals("/metrics")) { // the figures change between the two requests
            assertEquals(Integer.toString(get.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length),
                    head.headers().firstValue("Content-Length").orElse("none"), path);
        }
    }

    @Test
    void headAnswersEveryGetRouteWithItsHeadersAndNoBody() {
        String ended = TestServer.json(server.post("/v1/runs", "{\"input\":\"hi\",\"provider\":\"demo\",\"stream\":false}")).get("run_id").asText();
        String session = server.weft().stores().runs().find(ended).orElseThrow().sessionId();
        for (String path : List.of("/healthz", "/metrics", "/v1/workflows", "/v1/runs/" + ended, "/v1/sessions/" + session,
                "/v1/runs/r_missing", "/v1/sessions/s_missing", "/no/such/path")) {
            assertLikeGet(path);
        }
    }

    @Test
    void headOnTheEventsOfARunningRunDoesNotFollowIt() {
        String running = server.startBackground("\"input\":\"hi\",\"provider\":\"slow\"");
        var head = head("/v1/runs/" + running + "/events");
        assertEquals(200, head.statusCode());
        assertTrue(head.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        assertEquals("", head.body());
        assertEquals(0.0, server.metric("weft_open_streams"), "no stream is held for a HEAD");
        server.post("/v1/runs/" + running + "/cancel", "");
    }

    @Test
    void headOnARouteWithoutGetIs405AndAllowNamesHeadWithGet() {
        var cancel = head("/v1/runs/r_x/cancel");
        assertEquals(405, cancel.statusCode());
        assertEquals("POST", cancel.headers().firstValue("Allow").orElse(""));
        var delete = server.delete("/v1/runs/r_x");
        assertEquals(405, delete.statusCode());
        assertEquals("GET, HEAD", delete.headers().firstValue("Allow").orElse(""));
    }
}
