package weft.providers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.json.Jackson;

/** Reading JSON text a model or a tool wrote, which need not be JSON at all. */
final class JsonText {
    private static final ObjectMapper JSON = Jackson.mapper();

    private JsonText() {}

    /** The JSON value of {@code text}, or null for text that is not one JSON value (null and blank included). */
    static JsonNode readOrNull(String text) {
        if (text == null || text.isBlank()) return null;
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException notJson) {
            return null;
        }
    }
}
