package weft.edge;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a browser may do: pages from a listed origin get CORS, pages served by Weft itself need
 * none, and any other page's request is refused before it can start a run, whatever its content
 * type (a form post needs no preflight, so hiding the answer would not be enough).
 */
class CorsTest {
    private static final String APP = "https://app.example.com";
    private static final String RUN = "{\"input\":\"hi\",\"background\":true}";

    /** WEFT_CORS_ORIGINS=APP. */
    private static TestServer server;
    /** No CORS settings: the default. */
    private static TestServer plain;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("WEFT_CORS_ORIGINS", APP + ",http://localhost:3000"));
        plain = TestServer.start(Map.of());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (plain != null) plain.close();
    }

    private static HttpResponse<String> post(TestServer at, String origin, String contentType, String body) {
        var request = HttpRequest.newBuilder(at.uri("/v1/runs")).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (origin != null) request.header("Origin", origin);
        return at.send(request);
    }

    private static HttpResponse<String> options(TestServer at, String path, String... headers) {
        var request = HttpRequest.newBuilder(at.uri(path)).method("OPTIONS", HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) request.headers(headers);
        return at.send(request);
    }

    @Test
    void aPreflightFromAListedOriginIs204WithTheAllowedMethodsAndHeaders() {
        var answer = options(server, "/v1/runs", "Origin", APP, "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "authorization, content-type");
        assertEquals(204, answer.statusCode(), answer.body());
        var h = answer.headers();
        assertEquals(APP, h.firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("GET, POST, DELETE, OPTIONS", h.firstValue("Access-Control-Allow-Methods").orElse(null));
        assertEquals("Authorization, Content-Type, Last-Event-ID, Idempotency-Key", h.firstValue("Access-Control-Allow-Headers").orElse(null));
        assertTrue(Integer.parseInt(h.firstValue("Access-Control-Max-Age").orElse("0")) > 0, h.map().toString());
        assertEquals("Origin", h.firstValue("Vary").orElse(null));
    }

    @Test
    void aRequestFromAListedOriginGetsItsOriginBackAndTheExposedHeaders() {
        var answer = post(server, APP, "application/json", RUN);
        assertEquals(202, answer.statusCode(), answer.body());
        assertEquals(APP, answer.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("Origin", answer.headers().firstValue("Vary").orElse(null));
        assertEquals("X-Run-Id, Location, Retry-After", answer.headers().firstValue("Access-Control-Expose-Headers").orElse(null));
        var other = post(server, "http://localhost:3000", "application/json", RUN);
        assertEquals("http://localhost:3000", other.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
    }

    @Test
    void aStreamFromAListedOriginCarriesTheCorsHeaders() {
        String runId = server.startBackground("\"input\":\"hi\"");
        try (SseStream stream = server.follow(runId, "Origin", APP)) {
            assertEquals(200, stream.status());
            assertEquals(APP, stream.response().headers().firstValue("Access-Control-Allow-Origin").orElse(null));
            assertEquals("done", stream.readToDone().getLast().type());
        }
    }

    @Test
    void aRequestWithoutOriginGetsNoCorsHeaders() {
        var answer = post(server, null, "application/json", RUN);
        assertEquals(202, answer.statusCode(), answer.body());
        assertFalse(answer.headers().firstValue("Access-Control-Allow-Origin").isPresent(), answer.headers().map().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"})
    void aPostFromAnotherSiteIs403ForbiddenOriginWhateverItsContentTypeAndStartsNoRun(String contentType) {
        long before = plain.weft().stores().counts().runs();
        var answer = post(plain, "https://evil.example", contentType, RUN);
        assertEquals(403, answer.statusCode(), answer.body());
        var error = TestServer.json(answer).path("error");
        assertEquals("forbidden_origin", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("WEFT_CORS_ORIGINS"), error.toString());
        assertFalse(answer.headers().firstValue("Access-Control-Allow-Origin").isPresent());
        assertEquals(before, plain.weft().stores().counts().runs(), "the refused request started a run");
    }

    @Test
    void aFormPostWithoutOriginIsStillAcceptedAsCurlSendsIt() {
        var answer = post(plain, null, "application/x-www-form-urlencoded", RUN);
        assertEquals(202, answer.statusCode(), answer.body());
    }

    @Test
    void anOriginOfNullIsRefused() {
        var answer = post(server, "null", "application/x-www-form-urlencoded", RUN);
        assertEquals(403, answer.statusCode(), answer.body());
        assertEquals("forbidden_origin", TestServer.json(answer).path("error").path("code").asText());
    }

    @Test
    void anOriginThatOnlyLooksLikeAListedOneIsRefused() {
        for (String origin : new String[]{"http://app.example.com", "https://app.example.com:8443", "https://app.example.com.evil.example"}) {
            assertEquals(403, post(server, origin, "application/json", RUN).statusCode(), origin);
        }
        assertEquals(202, post(server, "https://APP.example.com:443", "application/json", RUN).statusCode(),
                "the same origin written another way");
    }

    @Test
    void aPreflightFromAnotherSiteIs403WithoutCorsHeaders() {
        var answer = options(server, "/v1/runs", "Origin", "https://evil.example", "Access-Control-Request-Method", "POST");
        assertEquals(403, answer.statusCode());
        assertFalse(answer.headers().firstValue("Access-Control-Allow-Origin").isPresent());
    }

    @Test
    void aPageServedByWeftItselfNeedsNoCorsSettings() {
        String self = "http://127.0.0.1:" + plain.weft().port();
        var answer = post(plain, self, "application/json", RUN);
        assertEquals(202, answer.statusCode(), answer.body());
        assertFalse(answer.headers().firstValue("Access-Control-Allow-Origin").isPresent(), "same origin needs no CORS");
        assertEquals(403, post(plain, "http://127.0.0.1:" + (plain.weft().port() + 1), "application/json", RUN).statusCode(),
                "another port is another origin");
        assertEquals(403, post(plain, "https://127.0.0.1:" + plain.weft().port(), "application/json", RUN).statusCode(),
                "another scheme is another origin");
    }

    @Test
    void optionsWithoutCorsIs204WithAllow() {
        var answer = options(plain, "/v1/runs/r_x/events");
        assertEquals(204, answer.statusCode(), answer.body());
        assertEquals("GET, HEAD, OPTIONS", answer.headers().firstValue("Allow").orElse(null));
        assertEquals("POST, OPTIONS", options(plain, "/v1/runs").headers().firstValue("Allow").orElse(null));
        assertEquals(404, options(plain, "/nowhere").statusCode());
    }

    @Test
    void aWildcardOrAPathInWeftCorsOriginsRefusesToStart() {
        for (String bad : new String[]{"*", "https://app.example.com/", "app.example.com", "https://app.example.com/path"}) {
            var refused = assertThrows(IllegalArgumentException.class, () -> TestServer.start(Map.of("WEFT_CORS_ORIGINS", bad)));
            assertTrue(refused.getMessage().contains("WEFT_CORS_ORIGINS"), refused.getMessage());
        }
    }
}
