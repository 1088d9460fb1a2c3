package weft.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.testing.TestServer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Comparing two bodies a provider sent for the same request, one with a setting and one without. */
final class RequestBodies {
    private RequestBodies() {}

    /**
     * The fields of {@code with} that are new or changed against {@code without}, after checking
     * that the setting dropped none: what the setting alone adds to the request.
     */
    static ObjectNode added(JsonNode without, JsonNode with) {
        without.properties().forEach(field -> assertTrue(with.has(field.getKey()), "the setting dropped " + field.getKey()));
        ObjectNode added = TestServer.JSON.createObjectNode();
        with.properties().forEach(field -> {
            if (!field.getValue().equals(without.get(field.getKey()))) added.set(field.getKey(), field.getValue());
        });
        return added;
    }
}
