package weft.edge;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import weft.testing.TestServer;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Host} names the server or the request is refused, so that a page whose name was
 * rebound to 127.0.0.1 cannot reach a loopback Weft. Over raw sockets: the JDK's HTTP server
 * accepts requests without a {@code Host} or with two by itself.
 */
class HostHeaderTest {
    /** Loopback, the default bind. */
    private static TestServer loopback;
    /** Loopback, and answering to two more names. */
    private static TestServer named;

    @BeforeAll
    static void start() {
        loopback = TestServer.start(Map.of());
        named = TestServer.start(Map.of("WEFT_ALLOWED_HOSTS", "weft.example.com, weft.internal:8443"));
    }

    @AfterAll
    static void stop() {
        if (loopback != null) loopback.close();
        if (named != null) named.close();
    }

    @Test
    void aRequestWithoutHostIs400SayingSo() {
        for (String version : new String[]{"HTTP/1.1", "HTTP/1.0"}) {
            var answer = RawHttp.send(loopback.weft().port(), "GET /healthz " + version + "\r\n\r\n");
            assertEquals(400, answer.status(), answer.head());
            assertEquals("invalid_request", answer.errorCode());
            assertTrue(answer.errorMessage().contains("no Host header"), answer.body());
        }
    }

    @Test
    void aRequestWithTwoHostHeadersIs400SayingSo() {
        var answer = RawHttp.get(loopback.weft().port(), "/healthz", "Host: localhost\r\nHost: 127.0.0.1\r\n");
        assertEquals(400, answer.status(), answer.head());
        assertTrue(answer.errorMessage().contains("2 Host headers"), answer.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "localhost:PORT", "127.0.0.1", "127.0.0.1:PORT", "[::1]", "[::1]:PORT",
            "LOCALHOST:PORT", "[0:0:0:0:0:0:0:1]:PORT"})
    void aLoopbackServerAnswersToEveryNameOfLoopback(String host) {
        int port = loopback.weft().port();
        var answer = RawHttp.get(port, "/healthz", "Host: " + host.replace("PORT", Integer.toString(port)) + "\r\n");
        assertEquals(200, answer.status(), answer.head() + answer.body());
    }

    @Test
    void aReboundNameIs403NamingWeftAllowedHostsAndStartsNoRun() {
        String body = "{\"input\":\"spend my credits\",\"background\":true}";
        var answer = RawHttp.send(loopback.weft().port(), "POST /v1/runs HTTP/1.1\r\nHost: evil.example:" + loopback.weft().port()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        assertEquals(403, answer.status(), answer.head());
        assertEquals("forbidden_host", answer.errorCode());
        assertTrue(answer.errorMessage().contains("evil.example") && answer.errorMessage().contains("WEFT_ALLOWED_HOSTS"), answer.body());
        assertEquals(0, loopback.weft().stores().counts().runs(), "the refused request started a run");
    }

    @Test
    void aMalformedHostIs400() {
        var answer = RawHttp.get(loopback.weft().port(), "/healthz", "Host: evil example/\r\n");
        assertEquals(400, answer.status(), answer.head());
        assertEquals("invalid_request", answer.errorCode());
    }

    @Test
    void namesInWeftAllowedHostsAreServedWithAnyPortOrTheOneTheyName() {
        int port = named.weft().port();
        assertEquals(200, RawHttp.get(port, "/healthz", "Host: weft.example.com\r\n").status());
        assertEquals(200, RawHttp.get(port, "/healthz", "Host: Weft.Example.Com:9999\r\n").status());
        assertEquals(200, RawHttp.get(port, "/healthz", "Host: weft.internal:8443\r\n").status());
        assertEquals(403, RawHttp.get(port, "/healthz", "Host: weft.internal:8080\r\n").status(), "the entry names port 8443");
        assertEquals(403, RawHttp.get(port, "/healthz", "Host: weft.example.com.evil.example\r\n").status());
        assertEquals(200, RawHttp.get(port, "/healthz", "Host: localhost:" + port + "\r\n").status(), "loopback names still work");
    }

    @Test
    void aWildcardBindWithoutAllowedHostsAcceptsAnyHost() {
        // WEFT_INSECURE: a wildcard bind without authentication is refused otherwise.
        try (var open = TestServer.start(Map.of("WEFT_HOST", "0.0.0.0", "WEFT_INSECURE", "1"))) {
            assertEquals(200, RawHttp.get(open.weft().port(), "/healthz", "Host: anything.example\r\n").status());
            assertEquals(400, RawHttp.get(open.weft().port(), "/healthz", "").status(), "a Host is still required");
        }
    }

    @Test
    void aWildcardBindWithAllowedHostsAcceptsOnlyThoseAndLoopback() {
        try (var open = TestServer.start(Map.of("WEFT_HOST", "0.0.0.0", "WEFT_INSECURE", "1",
                "WEFT_ALLOWED_HOSTS", "weft.example.com"))) {
            int port = open.weft().port();
            assertEquals(200, RawHttp.get(port, "/healthz", "Host: weft.example.com\r\n").status());
            assertEquals(200, RawHttp.get(port, "/healthz", "Host: localhost:" + port + "\r\n").status());
            assertEquals(403, RawHttp.get(port, "/healthz", "Host: evil.example\r\n").status());
        }
    }

    @Test
    void aBadAllowedHostsEntryRefusesToStartNamingIt() {
        var refused = assertThrows(IllegalArgumentException.class,
                () -> TestServer.start(Map.of("WEFT_ALLOWED_HOSTS", "https://weft.example.com/")));
        assertTrue(refused.getMessage().contains("WEFT_ALLOWED_HOSTS") && refused.getMessage().contains("https://weft.example.com/"),
                refused.getMessage());
    }
}
