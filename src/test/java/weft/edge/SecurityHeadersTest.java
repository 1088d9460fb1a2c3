package weft.edge;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every API answer tells browsers not to sniff, refer or cache; a stream keeps its own {@code no-cache}. */
class SecurityHeadersTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void assertApiHeaders(HttpHeaders headers, String cacheControl) {
        assertEquals(List.of("nosniff"), headers.allValues("X-Content-Type-Options"), headers.map().toString());
        assertEquals(List.of("no-referrer"), headers.allValues("Referrer-Policy"), headers.map().toString());
        assertEquals(List.of(cacheControl), headers.allValues("Cache-Control"), headers.map().toString());
    }

    @Test
    void jsonAnswersAndErrorsAreNoStoreNosniffNoReferrer() {
        assertApiHeaders(server.get("/healthz").headers(), "no-store");
        assertApiHeaders(server.post("/v1/runs", "{\"input\":\"hi\",\"background\":true}").headers(), "no-store");
        assertApiHeaders(server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false}").headers(), "no-store");
        assertApiHeaders(server.get("/v1/runs/r_missing").headers(), "no-store");
        assertApiHeaders(server.delete("/v1/runs").headers(), "no-store");
    }

    @Test
    void aStreamKeepsNoCacheAndTheOtherHeaders() {
        try (SseStream stream = server.streamRun("{\"input\":\"hi\"}")) {
            assertEquals(200, stream.status());
            assertApiHeaders(stream.response().headers(), "no-cache");
            stream.readToDone();
        }
        String runId = server.startBackground("\"input\":\"hi\"");
        try (SseStream stream = server.stream(HttpRequest.newBuilder(server.uri("/v1/runs/" + runId + "/events")))) {
            assertApiHeaders(stream.response().headers(), "no-cache");
        }
    }
}
