package weft.tools;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import weft.providers.ToolSpec;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerToolsTest {
    private final ServerTools tools = ServerTools.builtIn(java.time.Clock.fixed(Instant.parse("2025-01-15T12:00:00Z"), ZoneOffset.UTC));

    @Test
    void theBuiltInToolsAreTheCalculatorClockAndDocuments() {
        assertEquals(List.of("calculator", "clock", "documents"), tools.names());
        for (String name : tools.names()) assertEquals(name, tools.find(name).orElseThrow().spec().name());
        assertTrue(tools.find("calculator").orElseThrow() instanceof Calculator);
        assertTrue(tools.find("clock").orElseThrow() instanceof Clock);
        assertTrue(tools.find("documents").orElseThrow() instanceof DocumentSearch);
    }

    @Test
    void anUnknownNameIsNotFoundAndItsMessageListsTheTools() {
        assertFalse(tools.find("weather").isPresent());
        assertEquals("unknown server tool 'weather': the server tools are calculator, clock, documents", tools.unknown("weather"));
        assertEquals("unknown server tool 'x': there are no server tools", new ServerTools(List.of()).unknown("x"));
    }

    @Test
    void twoToolsWithOneNameAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ServerTools(List.of(new Calculator(), new Calculator())));
        assertEquals("two server tools are named 'calculator'", e.getMessage());
    }

    @Test
    void everyBuiltInSchemaIsAnObjectWhoseRequiredPropertiesAreDeclared() {
        for (String name : tools.names()) {
            ToolSpec spec = tools.find(name).orElseThrow().spec();
            assertFalse(spec.description().isBlank(), name);
            JsonNode parameters = spec.parameters();
            assertEquals("object", parameters.path("type").asText(), name);
            for (JsonNode required : parameters.path("required")) {
                assertTrue(parameters.path("properties").has(required.asText()), name + " requires an undeclared " + required);
            }
            parameters.path("properties").forEach(p -> assertFalse(p.path("description").asText().isBlank(), name));
            assertEquals(Tool.Executor.SERVER, tools.find(name).orElseThrow().executor());
        }
    }
}
