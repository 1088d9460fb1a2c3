package weft.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.providers.ChatMessage;
import weft.providers.ModelRequest;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.testing.RunEvents.runToDone;

/** Sessions carry history across runs, reach the model in order, and can be deleted. */
class SessionTest {
    private static final ScriptedProvider ECHO = ScriptedProvider.of("echo",
            (ModelRequest r) -> List.of("you said: ", r.lastUserText()));
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(ECHO);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The first event (run_started) of a streamed run on this test's server. */
    private static SseStream.Event run(String body) {
        return runToDone(server, body).getFirst();
    }

    @Test
    void theSessionsHistoryIsSentToTheModelBeforeTheNewInput() {
        String sessionId = run("{\"input\":\"first\",\"provider\":\"echo\"}").text("session_id");
        ECHO.requests().clear();
        run("{\"input\":\"second\",\"provider\":\"echo\",\"session_id\":\"" + sessionId + "\",\"system\":\"be brief\",\"model\":\"m-1\",\"max_tokens\":9}");
        ModelRequest sent = ECHO.requests().getFirst();
        assertEquals(List.of(ChatMessage.user("first"), ChatMessage.assistant("you said: first"), ChatMessage.user("second")),
                sent.messages());
        assertEquals("be brief", sent.system());
        assertEquals("m-1", sent.model());
        assertEquals(9, sent.maxTokens());

        var messages = TestServer.json(server.get("/v1/sessions/" + sessionId)).get("messages");
        assertEquals(4, messages.size());
        assertEquals("you said: second", messages.get(3).get("content").asText());
    }

    @Test
    void documentsReachTheModelInOrder() {
        ECHO.requests().clear();
        run("{\"input\":\"cite\",\"provider\":\"echo\",\"documents\":[{\"id\":\"a\",\"title\":\"A\",\"text\":\"alpha\"},{\"text\":\"beta\"}]}");
        var documents = ECHO.requests().getFirst().documents();
        assertEquals("a", documents.get(0).id());
        assertEquals("alpha", documents.get(0).text());
        assertEquals("2", documents.get(1).id(), "a document without id is named by its position");
    }

    @Test
    void deletingASessionAnswers204AndForgetsIt() {
        String sessionId = run("{\"input\":\"bye\",\"provider\":\"echo\"}").text("session_id");
        var deleted = server.delete("/v1/sessions/" + sessionId);
        assertEquals(204, deleted.statusCode());
        assertTrue(deleted.body().isEmpty());
        assertEquals(404, server.get("/v1/sessions/" + sessionId).statusCode());
    }

    @Test
    void everyRunAndSessionRecordsItsOwner() {
        var event = run("{\"input\":\"who\",\"provider\":\"echo\"}");
        var run = server.weft().stores().runs().find(event.text("run_id")).orElseThrow();
        assertEquals("anonymous", run.owner());
    }
}
