package weft.providers;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool as a model is told about it: a name, what it does, and its parameters as a JSON
 * Schema object. Every provider sends these three, each in its own envelope.
 */
public record ToolSpec(String name, String description, JsonNode parameters) {}
