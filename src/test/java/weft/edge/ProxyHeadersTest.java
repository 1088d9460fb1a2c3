package weft.edge;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fake proxy: the test itself sends the {@code X-Forwarded-*} headers from 127.0.0.1, which
 * one server trusts and the other does not. The client address is observed through the run
 * limit, which an unauthenticated server keys by it (one run a minute each).
 */
class ProxyHeadersTest {
    private static final String RUN = "{\"input\":\"hi\",\"background\":true}";

    /** Trusts 127.0.0.1 and 10.0.0.0/8 (a proxy chain). */
    private static TestServer behindProxy;
    /** Trusts nobody: the default. */
    private static TestServer direct;

    @BeforeAll
    static void start() {
        behindProxy = TestServer.start(Map.of("WEFT_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8, fd00::/8", "WEFT_RATE_LIMIT", "1"));
        direct = TestServer.start(Map.of("WEFT_RATE_LIMIT", "1"));
    }

    @AfterAll
    static void stop() {
        if (behindProxy != null) behindProxy.close();
        if (direct != null) direct.close();
    }

    private static HttpResponse<String> post(TestServer at, String body, String... headers) {
        var request = HttpRequest.newBuilder(at.uri("/v1/runs")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) request.headers(headers);
        return at.send(request);
    }

    @Test
    void everyUrlWeftReturnsCarriesTheTrustedProxysPrefix() {
        var background = post(behindProxy, RUN, "X-Forwarded-Prefix", "/weft", "X-Forwarded-For", "192.0.2.10");
        assertEquals(202, background.statusCode(), background.body());
        var json = TestServer.json(background);
        String runId = json.get("run_id").asText();
        assertEquals("/weft/v1/runs/" + runId + "/events", json.get("events_url").asText());
        assertEquals("/weft/v1/runs/" + runId + "/cancel", json.get("cancel_url").asText());
        assertEquals("/weft/v1/runs/" + runId, background.headers().firstValue("Location").orElseThrow());

        try (SseStream stream = behindProxy.stream(HttpRequest.newBuilder(behindProxy.uri("/v1/runs"))
                .header("Content-Type", "application/json").header("X-Forwarded-Prefix", "/a/b-c.d")
                .header("X-Forwarded-For", "192.0.2.11").POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hi\"}")))) {
            String streamed = stream.response().headers().firstValue("X-Run-Id").orElseThrow();
            assertEquals("/a/b-c.d/v1/runs/" + streamed, stream.response().headers().firstValue("Location").orElseThrow());
            stream.readToDone();
        }

        var blocking = post(behindProxy, "{\"input\":\"hi\",\"stream\":false}", "X-Forwarded-Prefix", "/weft",
                "X-Forwarded-For", "192.0.2.12");
        assertEquals(200, blocking.statusCode(), blocking.body());
        assertEquals("/weft/v1/runs/" + TestServer.json(blocking).get("run_id").asText(),
                blocking.headers().firstValue("Location").orElseThrow());
    }

    @Test
    void anUntrustedPeersForwardedHeadersAreIgnored() {
        var answer = post(direct, RUN, "X-Forwarded-Prefix", "/weft", "X-Forwarded-For", "192.0.2.20");
        assertEquals(202, answer.statusCode(), answer.body());
        String runId = TestServer.json(answer).get("run_id").asText();
        assertEquals("/v1/runs/" + runId + "/events", TestServer.json(answer).get("events_url").asText());
        // Another claimed address is still the same client, 127.0.0.1: its one run a minute is spent.
        var second = post(direct, RUN, "X-Forwarded-For", "192.0.2.21");
        assertEquals(429, second.statusCode(), second.body());
        // And X-Forwarded-Proto does not make an https page this server's own origin.
        var https = post(direct, RUN, "X-Forwarded-Proto", "https", "Origin", "https://127.0.0.1:" + direct.weft().port());
        assertEquals(403, https.statusCode(), https.body());
    }

    @Test
    void theClientIsTheRightmostAddressThatIsNotATrustedProxy() {
        assertEquals(202, post(behindProxy, RUN, "X-Forwarded-For", "198.51.100.7, 10.1.2.3").statusCode());
        // The client wrote a fake first hop; the proxies appended what they saw: still 198.51.100.7.
        var spoofed = post(behindProxy, RUN, "X-Forwarded-For", "203.0.113.99", "X-Forwarded-For", "198.51.100.7, 10.9.9.9");
        assertEquals(429, spoofed.statusCode(), "a spoofed left-hand entry escaped the client's limit: " + spoofed.body());
        assertEquals(202, post(behindProxy, RUN, "X-Forwarded-For", "198.51.100.8").statusCode(), "another client has its own limit");
        assertEquals(202, post(behindProxy, RUN, "X-Forwarded-For", "2001:db8::1, fd00::2").statusCode(), "IPv6 hops");
        assertEquals(429, post(behindProxy, RUN, "X-Forwarded-For", "2001:DB8:0:0:0:0:0:1").statusCode(), "the same IPv6 client");
    }

    @Test
    void aTrustedProxysSchemeMakesItsHttpsPageThisServersOwnOrigin() {
        var answer = post(behindProxy, RUN, "X-Forwarded-For", "198.51.100.30", "X-Forwarded-Proto", "https",
                "Origin", "https://127.0.0.1:" + behindProxy.weft().port());
        assertEquals(202, answer.statusCode(), answer.body());
        var plainHttp = post(behindProxy, RUN, "X-Forwarded-For", "198.51.100.31", "X-Forwarded-Proto", "https",
                "Origin", "http://127.0.0.1:" + behindProxy.weft().port());
        assertEquals(403, plainHttp.statusCode(), "the page is served over https behind the proxy: " + plainHttp.body());
    }

    @Test
    void aPrefixThatIsNotAPathFromATrustedProxyIs400NamingTheHeader() {
        for (String bad : new String[]{"weft", "/weft/", "/we ft", "/../admin", "/a//b", "/a?b", "//evil.example", "/%2e%2e"}) {
            var answer = post(behindProxy, RUN, "X-Forwarded-Prefix", bad);
            assertEquals(400, answer.statusCode(), bad + ": " + answer.body());
            assertTrue(TestServer.json(answer).path("error").path("message").asText().contains("X-Forwarded-Prefix"), answer.body());
        }
    }

    @Test
    void aBadTrustedProxiesEntryRefusesToStartNamingIt() {
        var refused = assertThrows(IllegalArgumentException.class,
                () -> TestServer.start(Map.of("WEFT_TRUSTED_PROXIES", "10.0.0.0/33")));
        assertTrue(refused.getMessage().contains("WEFT_TRUSTED_PROXIES") && refused.getMessage().contains("10.0.0.0/33"), refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TestServer.start(Map.of("WEFT_TRUSTED_PROXIES", "proxy.internal")));
    }
}
