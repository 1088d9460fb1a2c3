package weft.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.sun.net.httpserver.HttpExchange;

import weft.json.Jackson;

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
public final class JsonBody {
    /** Deeper than any request of the contract (a document is three levels down) by far. */
    static final int MAX_DEPTH = 64;
    /** A number longer than this is no count or limit of the contract. */
    static final int MAX_NUMBER_DIGITS = 100;
    /**
     * What is read and thrown away of a body over the limit before the 413: a server that
     * closes with unread input makes the client's TCP stack reset the connection, and the
     * client often loses the answer. Beyond this much the 413 closes the connection.
     */
    static final long DRAIN_BYTES = 4L << 20;

    private static final ObjectReader READER = new ObjectMapper(Jackson.factory()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH).maxNumberLength(MAX_NUMBER_DIGITS).build())
            .build()).reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonBody() {}

    /**
     * Refuses a field of {@code node} not in {@code allowed}, quoting it as {@code where}
     * + its name and adding {@code fields}, what the object may hold: a typo such as
     * {@code "strem"} must not be silently ignored.
     */
    public static void onlyFields(JsonNode node, java.util.Set<String> allowed, String where, String fields) {
        for (var names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) throw HttpError.invalid("unknown field '" + where + name + "'; " + fields);
        }
    }

    public static JsonNode read(HttpExchange exchange, int maxBytes) throws IOException {
        String type = mediaType(exchange.getRequestHeaders().getFirst("Content-Type"));
        boolean form = type.equals("application/x-www-form-urlencoded");
        if (!type.isEmpty() && !form && !type.equals("application/json") && !type.endsWith("+json")) {
            throw unsupported(type);
        }
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        InputStream in = exchange.getRequestBody();
        if (declared != null && parseLength(declared) > maxBytes) throw tooLarge(in, maxBytes);
        byte[] body = in.readNBytes(maxBytes + 1);
        if (body.length > maxBytes) throw tooLarge(in, maxBytes);
        if (body.length == 0) {
            throw new HttpError(400, "invalid_json", "the body is empty: send a JSON object such as {\"input\":\"Hello\"}");
        }
        JsonNode node;
        try {
            node = READER.readTree(body);
        } catch (StreamConstraintsException e) {
            throw beyondConstraints(e);
        } catch (JsonProcessingException e) {
            if (form) throw unsupported(type);
            var at = e.getLocation();
            throw new HttpError(400, "invalid_json", "the body is not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
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

    /**
     * Reads and discards up to {@link #DRAIN_BYTES} more so that the client, which may still be
     * sending, reads the answer; a body longer than that is cut off with {@code Connection: close}.
     */
    private static HttpError tooLarge(InputStream in, int maxBytes) throws IOException {
        boolean wholeBodyRead = in.skip(DRAIN_BYTES) < DRAIN_BYTES || in.read() < 0;
        String message = "the body is over the limit of " + maxBytes + " bytes (WEFT_MAX_BODY_BYTES): send less";
        return new HttpError(413, "too_large", message,
                wholeBodyRead ? java.util.Map.of() : java.util.Map.of("Connection", "close"), java.util.Map.of());
    }

    private static HttpError beyondConstraints(StreamConstraintsException e) {
        String why = String.valueOf(e.getOriginalMessage());
        if (why.contains("nesting depth")) {
            return new HttpError(400, "invalid_json", "the body nests arrays and objects more than " + MAX_DEPTH
                    + " levels deep; the limit is " + MAX_DEPTH);
        }
        if (why.contains("Number value length")) {
            return new HttpError(400, "invalid_json", "the body holds a number of more than " + MAX_NUMBER_DIGITS
                    + " characters; the limit is " + MAX_NUMBER_DIGITS);
        }
        return new HttpError(400, "invalid_json", "the body is beyond what Weft reads: " + why);
    }

    private static HttpError unsupported(String type) {
        return new HttpError(415, "unsupported_media_type", "the body is " + type
                + ", not JSON: send a JSON object with Content-Type: application/json");
    }
}
