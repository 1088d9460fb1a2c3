package weft.page;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.TestServer;
import weft.testing.Tokens;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The page's files over plain HTTP: types, the CSP, caching, HEAD, and no token needed, even with authentication on. */
class PageApiTest {
    private static final List<String> ASSETS = List.of("/", "/page.css", "/page.js", "/page.svg");
    private static TestServer open;
    private static TestServer authenticated;

    @BeforeAll
    static void start() {
        open = TestServer.start();
        authenticated = TestServer.start(Tokens.env());
    }

    @AfterAll
    static void stop() {
        open.close();
        authenticated.close();
    }

    @Test
    void theRootIsTheHtmlPageWithAStrictContentSecurityPolicy() {
        var page = open.get("/");
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(PageApi.CONTENT_SECURITY_POLICY, page.headers().firstValue("Content-Security-Policy").orElseThrow());
        for (String directive : List.of("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                "img-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'")) {
            assertTrue(PageApi.CONTENT_SECURITY_POLICY.contains(directive), directive);
        }
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElseThrow());
        assertTrue(page.body().contains("<script src=\"/page.js\" defer></script>"), page.body());
        assertTrue(page.body().contains("<link rel=\"stylesheet\" href=\"/page.css\">"), page.body());
    }

    @Test
    void everyAssetIsServedWithItsTypeAndATagThatSavesTheSecondDownload() {
        var types = List.of("text/html", "text/css", "text/javascript", "image/svg+xml");
        for (int i = 0; i < ASSETS.size(); i++) {
            var first = open.get(ASSETS.get(i));
            assertEquals(200, first.statusCode(), ASSETS.get(i));
            assertTrue(first.headers().firstValue("Content-Type").orElseThrow().startsWith(types.get(i)), ASSETS.get(i));
            assertEquals("no-cache", first.headers().firstValue("Cache-Control").orElseThrow(), ASSETS.get(i));
            String etag = first.headers().firstValue("ETag").orElseThrow();
            var again = open.send(HttpRequest.newBuilder(open.uri(ASSETS.get(i))).header("If-None-Match", etag));
            assertEquals(304, again.statusCode(), ASSETS.get(i));
            assertEquals("", again.body());
            var changed = open.send(HttpRequest.newBuilder(open.uri(ASSETS.get(i))).header("If-None-Match", "\"other\""));
            assertEquals(200, changed.statusCode(), ASSETS.get(i));
        }
    }

    @Test
    void headAnswersWithTheHeadersOfGetAndNoBody() {
        for (String path : ASSETS) {
            var get = open.get(path);
            HttpResponse<String> head = open.send(HttpRequest.newBuilder(open.uri(path)).HEAD());
            assertEquals(200, head.statusCode(), path);
            assertEquals("", head.body(), path);
            assertEquals(get.headers().firstValue("Content-Type"), head.headers().firstValue("Content-Type"), path);
            assertEquals(get.headers().firstValue("ETag"), head.headers().firstValue("ETag"), path);
            assertEquals(Integer.toString(get.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length),
                    head.headers().firstValue("Content-Length").orElseThrow(), path);
        }
    }

    @Test
    void thePageLoadsNothingFromElsewhere() {
        Pattern external = Pattern.compile("(?i)(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}");
        for (String path : ASSETS) {
            // An SVG file must name its namespace; that is an identifier, never fetched.
            String body = open.get(path).body().replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
            var found = external.matcher(body);
            assertFalse(found.find(), () -> path + " names " + found.group());
            assertFalse(body.contains("@import"), path);
        }
        String html = open.get("/").body();
        assertFalse(Pattern.compile("<script>|<style|style=\"| on[a-z]+=\"").matcher(html).find(),
                "no inline script or style, which the CSP would refuse");
    }

    @Test
    void thePageNeedsNoTokenWhenAuthenticationIsOnButTheApiStillDoes() {
        for (String path : ASSETS) assertEquals(200, authenticated.get(path).statusCode(), path);
        assertEquals(401, authenticated.get("/v1/workflows").statusCode());
        assertEquals(200, authenticated.send(HttpRequest.newBuilder(authenticated.uri("/v1/workflows"))
                .header("Authorization", "Bearer " + Tokens.of("alice"))).statusCode());
    }

    @Test
    void aLiteralDotInARouteMatchesOnlyADot() {
        assertEquals(404, open.get("/pagexcss").statusCode());
        assertEquals(401, authenticated.get("/pagexjs").statusCode(), "an unknown path is a user path, as always");
    }
}
