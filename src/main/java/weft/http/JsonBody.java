package weft.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Reads a request body as one JSON object, within a size limit. The JDK server has no body
 * limit of its own, so this one reads at most limit + 1 bytes: enough to know the body is
 * too large without holding it.
 *
 * <p>curl sends {@code -d} bodies as {@code application/x-www-form-urlencoded}; such a body
 * is accepted when it is JSON, so {@code curl -d '{"input":"hi"}'} just works.
 */
final class JsonBody {
    private JsonBody() {}

    static JsonNode read(HttpExchange exchange, int maxBytes) throws IOException {
        String type = mediaType(exchange.getRequestHeaders().getFirst("Content-Type"));
        boolean form = type.equals("application/x-www-form-urlencoded");
        if (!type.isEmpty() && !form && !type.equals("application/json") && !type.endsWith("+json")) {
            throw unsupported(type);
        }
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null && parseLength(declared) > maxBytes) throw tooLarge(maxBytes);
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(maxBytes + 1);
        }
        if (body.length > maxBytes) throw tooLarge(maxBytes);
        if (body.length == 0) {
            throw new HttpError(400, "invalid_json", "the body is empty: send a JSON object such as {\"input\":\"Hello\"}");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(body);
        } catch (JsonProcessingException e) {
            if (form) throw unsupported(type);
            throw new HttpError(400, "invalid_json", "the body is not valid JSON: "
                    + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")");
        }
        if (node == null || !node.isObject()) {
            throw new HttpError(400, "invalid_json", "the body must be a JSON object such as {\"input\":\"Hello\"}");
        }
        return node;
    }

    private static String mediaType(String header) {
        if (header == null) return "";
        int semicolon = header.indexOf(';');
        return (semicolon < 0 ? header : header.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw HttpError.invalid("Content-Length '" + value + "' is not a number");
        }
    }

    private static HttpError tooLarge(int maxBytes) {
        return new HttpError(413, "too_large", "the body is larger than " + maxBytes + " bytes: send less");
    }

    private static HttpError unsupported(String type) {
        return new HttpError(415, "unsupported_media_type", "the body is " + type
                + ", not JSON: send a JSON object with Content-Type: application/json");
    }
}
