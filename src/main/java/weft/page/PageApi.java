package weft.page;

import com.sun.net.httpserver.HttpExchange;
import weft.http.Json;
import weft.http.Request;
import weft.http.Router;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The browser page at {@code GET /}: one HTML file, its style sheet, its script and its icon,
 * read from the jar once at start-up and served as they are. The page is a client of the
 * public contract like any other (it holds no secret and needs no token to load), so its
 * routes are {@link Router.Access#PUBLIC}; what it shows comes from the API, which asks for a
 * token as always.
 */
public final class PageApi {
    /**
     * Nothing but the page's own files, no inline script or style, no frames: a string that
     * reached the page's DOM could not load or send anything elsewhere.
     */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** One file of the page: where it is served, its type, its bytes and their tag. */
    public record Asset(String path, String contentType, byte[] body, String etag) {}

    private final List<Asset> assets;

    public PageApi(List<Asset> assets) {
        this.assets = List.copyOf(assets);
    }

    /** The page's files from {@code src/main/resources/weft/page/}; a missing one is a broken build, not a request's problem. */
    public static PageApi fromClasspath() {
        return new PageApi(List.of(
                asset("/", "index.html", "text/html; charset=utf-8"),
                asset("/page.css", "page.css", "text/css; charset=utf-8"),
                asset("/page.js", "page.js", "text/javascript; charset=utf-8"),
                asset("/page.svg", "page.svg", "image/svg+xml")));
    }

    public List<Router.Route> routes() {
        return assets.stream().map(asset -> new Router.Route("GET", asset.path(), Router.Access.PUBLIC,
                (Request request) -> serve(request.exchange(), asset))).toList();
    }

    /**
     * {@code no-cache} with an {@code ETag}: the browser asks every time and mostly gets a
     * {@code 304}, so a new version of Weft never runs against an old script.
     */
    private static void serve(HttpExchange exchange, Asset asset) throws IOException {
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", asset.contentType());
        headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        headers.set("Cache-Control", "no-cache");
        headers.set("ETag", asset.etag());
        String seen = exchange.getRequestHeaders().getFirst("If-None-Match");
        if (seen != null && List.of(seen.split("\\s*,\\s*")).contains(asset.etag())) {
            exchange.sendResponseHeaders(304, -1);
            return;
        }
        Json.sendBytes(exchange, 200, asset.body());
    }

    private static Asset asset(String path, String file, String contentType) {
        try (InputStream in = PageApi.class.getResourceAsStream(file)) {
            if (in == null) throw new IllegalStateException("the page's " + file + " is missing from the classpath (weft/page/)");
            byte[] body = in.readAllBytes();
            return new Asset(path, contentType, body, "\"" + HexFormat.of().formatHex(sha256(body), 0, 8) + "\"");
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the page's " + file, e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
