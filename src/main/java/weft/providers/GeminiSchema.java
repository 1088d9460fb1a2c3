package weft.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A tool's JSON Schema as Gemini's {@code FunctionDeclaration.parameters} takes it: a copy
 * holding only the keywords of Gemini's {@code Schema} message, at every level.
 *
 * <p>That {@code Schema} is a protobuf message, a select subset of OpenAPI 3.0, and Gemini
 * answers 400 ("Unknown name ... Cannot find field") to any keyword it lacks: {@code $schema},
 * {@code $id}, {@code $ref}, {@code $defs}, {@code additionalProperties}, {@code const},
 * {@code oneOf} … all of which clients' schemas commonly carry. So the copy keeps what Gemini
 * knows instead of dropping what Weft knows it refuses: a keyword neither has heard of is
 * dropped too. The model loses a hint (a {@code $ref} becomes an open schema), never the call.
 *
 * <p>Newer Gemini API versions also take {@code parametersJsonSchema}, plain JSON Schema, which
 * would need no copy; Weft sends {@code parameters}, which every version, model and
 * Gemini-compatible proxy understands.
 */
final class GeminiSchema {
    /** The fields of {@code google.ai.generativelanguage.v1beta.Schema}. */
    private static final Set<String> KNOWN = Set.of("type", "format", "title", "description", "nullable", "enum",
            "maxItems", "minItems", "properties", "required", "minProperties", "maxProperties", "minLength",
            "maxLength", "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum", "maximum");
    /** The only formats Gemini allows on a string; it refuses {@code uri}, {@code email} and the rest. */
    private static final Set<String> STRING_FORMATS = Set.of("enum", "date-time");

    private GeminiSchema() {}

    /**
     * The {@code parameters} to declare for {@code schema}, or null to declare none: for no
     * schema, and for an object without properties, which Gemini refuses ("properties: should
     * be non-empty for OBJECT type") where a function that takes nothing simply has no parameters.
     * The caller's node is left as it was.
     */
    static ObjectNode parameters(JsonNode schema) {
        if (schema == null || !schema.isObject()) return null;
        ObjectNode copy = copy(schema);
        boolean noProperties = copy.path("properties").isEmpty();
        return "object".equals(type(copy)) && noProperties ? null : copy;
    }

    private static ObjectNode copy(JsonNode schema) {
        ObjectNode copy = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> field : schema.properties()) {
            String keyword = field.getKey();
            JsonNode value = field.getValue();
            if (!KNOWN.contains(keyword)) continue;
            switch (keyword) {
                // The keys of properties are names, not keywords: only their values are schemas.
                case "properties" -> {
                    if (!value.isObject()) continue;
                    ObjectNode properties = copy.putObject("properties");
                    for (Map.Entry<String, JsonNode> property : value.properties()) {
                        if (property.getValue().isObject()) properties.set(property.getKey(), copy(property.getValue()));
                    }
                }
                case "items" -> {
                    if (value.isObject()) copy.set("items", copy(value)); // an array of items is a tuple: Gemini has none
                }
                case "anyOf" -> {
                    if (!value.isArray()) continue;
                    var anyOf = copy.putArray("anyOf");
                    for (JsonNode option : value) if (option.isObject()) anyOf.add(copy(option));
                }
                // JSON Schema's ["string", "null"] is OpenAPI's one type and nullable; Gemini takes only one type.
                case "type" -> {
                    if (!value.isArray()) {
                        copy.set("type", value.deepCopy());
                        continue;
                    }
                    for (JsonNode t : value) {
                        if (t.asText().equals("null")) copy.put("nullable", true);
                        else if (!copy.has("type")) copy.set("type", t.deepCopy());
                    }
                }
                default -> copy.set(keyword, value.deepCopy());
            }
        }
        if ("string".equals(type(copy)) && !STRING_FORMATS.contains(copy.path("format").asText("enum"))) copy.remove("format");
        return copy;
    }

    /** The schema's type in lower case (Gemini takes {@code STRING} as well as {@code string}), or null. */
    private static String type(JsonNode schema) {
        JsonNode type = schema.get("type");
        return type != null && type.isTextual() ? type.asText().toLowerCase(Locale.ROOT) : null;
    }
}
