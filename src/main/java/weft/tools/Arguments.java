package weft.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import weft.json.Jackson;

import java.util.Iterator;
import java.util.Map;

/**
 * A call's arguments, read and checked before the call is shown or run: they must be one
 * JSON object, carry every field the schema requires, and give each declared property a
 * value of its declared type. That is what models get wrong in practice; deeper JSON Schema
 * (formats, patterns, nested objects) is left to the tool.
 */
public final class Arguments {
    private static final ObjectMapper JSON = Jackson.mapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Arguments() {}

    /** The model's JSON text as an object; empty text is an empty object (models send it for tools without parameters). */
    public static JsonNode parse(String text) throws ToolFailure {
        if (text == null || text.isBlank()) return JSON.createObjectNode();
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ToolFailure("invalid_arguments", "the arguments are not valid JSON (" + e.getOriginalMessage()
                    + "); send one JSON object");
        }
        if (node == null || !node.isObject()) {
            throw new ToolFailure("invalid_arguments", "the arguments must be a JSON object, not " + (node == null ? "nothing" : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
        }
        return node;
    }

    /** Checks required fields and the types of declared properties. */
    public static void check(JsonNode arguments, JsonNode schema) throws ToolFailure {
        if (schema == null || !schema.isObject()) return;
        for (JsonNode required : schema.path("required")) {
            if (!arguments.has(required.asText())) {
                throw new ToolFailure("invalid_arguments", "missing required argument '" + required.asText() + "'");
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
            var property = it.next();
            JsonNode value = arguments.get(property.getKey());
            String type = property.getValue().path("type").asText(null);
            if (value == null || type == null) continue;
            if (!hasType(value, type)) {
                throw new ToolFailure("invalid_arguments", "argument '" + property.getKey() + "' must be "
                        + (type.startsWith("a") || type.startsWith("i") || type.startsWith("o") ? "an " : "a ") + type
                        + ", not " + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber() || value.isNumber() && value.decimalValue().stripTrailingZeros().scale() <= 0;
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "null" -> value.isNull();
            default -> true; // a type this check does not know is the tool's to judge
        };
    }
}
