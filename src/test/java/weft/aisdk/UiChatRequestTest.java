package weft.aisdk;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.TestServer;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.aisdk.UiStreamFramesTest.chat;

/** A chat request Weft cannot serve is refused before any stream, in Weft's error shape, which useChat shows as its text. */
class UiChatRequestTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonNode refused(int status, String body) {
        HttpResponse<String> response = server.post("/v1/ui/chat", body);
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
        return TestServer.json(response).get("error");
    }

    private static void refusedSaying(String body, String words) {
        JsonNode error = refused(400, body);
        assertEquals("invalid_request", error.get("code").asText());
        assertTrue(error.get("message").asText().contains(words), error.get("message").asText());
    }

    @Test
    void aBodyWithoutTheTransportsFieldsIsRefused() {
        refusedSaying("{\"messages\":[]}", "'id' is required");
        refusedSaying("{\"id\":\"c\"}", "'messages' must be a non-empty array");
        refusedSaying("{\"id\":\"c\",\"messages\":[{\"id\":\"m\",\"role\":\"assistant\",\"parts\":[]}]}", "must be the user's");
        refusedSaying("{\"id\":\"c\",\"messages\":[{\"id\":\"m\",\"role\":\"user\",\"parts\":[]}]}", "has no text");
        refusedSaying("{\"id\":\"\",\"messages\":[]}", "'id' must be a non-empty string");
    }

    @Test
    void regeneratingAnAnswerIsRefusedBecauseSessionsOnlyGrow() {
        refusedSaying(chat("c", "hi", "").replace("submit-message", "regenerate-message"), "append-only");
    }

    @Test
    void weftsOwnFieldsAreCheckedAsARunRequestsAre() {
        refusedSaying(chat("c", "hi", ",\"max_tokens\":0"), "'max_tokens' must be a whole number");
        refusedSaying(chat("c", "hi", ",\"tools\":[\"shell\"]"), "not a server tool");
        refusedSaying(chat("c", "hi", ",\"stream\":false"), "unknown field 'stream'");
        refusedSaying(chat("c", "hi", ",\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}]"),
                "only server tools");
        JsonNode unknown = refused(404, chat("c", "hi", ",\"workflow\":\"nope\""));
        assertTrue(unknown.get("message").asText().contains("nope"), unknown.toString());
    }

    @Test
    void aFileTheModelCouldNotSeeIsRefusedRatherThanIgnored() {
        refusedSaying("{\"id\":\"c\",\"messages\":[{\"id\":\"m\",\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"look\"},"
                + "{\"type\":\"file\",\"mediaType\":\"image/png\",\"url\":\"data:image/png;base64,AA==\"}]}]}", "text only");
    }
}
