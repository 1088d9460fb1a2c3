package weft.aisdk;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.providers.ChatMessage;
import weft.store.Ids;
import weft.testing.ScriptedProvider;
import weft.testing.TestServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.aisdk.UiStreamFramesTest.chat;

/** A chat's runs over time: continued, cancelled, resumed, and kept apart from other users' chats. */
class UiChatLifecycleTest {
    private static final List<String> MANY = IntStream.range(0, 300).mapToObj(i -> " w" + i).toList();
    /** Slow enough to act on mid-run: a piece every 10 ms. */
    private static final ScriptedProvider SLOW = ScriptedProvider.of("slow", MANY).pausing(Duration.ofMillis(10));
    private static final ScriptedProvider ECHO = ScriptedProvider.of("echo",
            r -> List.of("you said ", r.messages().getLast().content()));
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of(), SLOW, ECHO);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String newChat() {
        return Ids.newId("chat-");
    }

    @Test
    void theSameChatIdContinuesOneSessionWhoseHistoryTheModelSees() {
        String chatId = newChat();
        int before = ECHO.requests().size();
        List<String> first;
        try (var s = UiStream.post(server, chat(chatId, "one", ",\"provider\":\"echo\""))) {
            first = s.toEnd();
        }
        // The client sends its whole history, as useChat does; Weft reads only the last message.
        String second = "{\"id\":\"" + chatId + "\",\"provider\":\"echo\",\"messages\":["
                + "{\"id\":\"m1\",\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"one\"}]},"
                + "{\"id\":\"m2\",\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"text\":\"something else\"}]},"
                + "{\"id\":\"m3\",\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"two\"},{\"type\":\"text\",\"text\":\"lines\"}]}]}";
        List<String> next;
        try (var s = UiStream.post(server, second)) {
            next = s.toEnd();
        }
        String session = sessionOf(first);
        assertEquals(session, sessionOf(next));
        List<ChatMessage> seen = ECHO.requests().get(before + 1).messages();
        assertEquals(List.of("one", "you said one", "two\nlines"), seen.stream().map(ChatMessage::content).toList());
        JsonNode history = TestServer.json(server.get("/v1/sessions/" + session)).get("messages");
        assertEquals(4, history.size());
        assertEquals("you said two\nlines", history.get(3).get("content").asText());
    }

    @Test
    void aChatsRunIsAnOrdinaryRunToReadFollowAndFind() {
        try (var s = UiStream.post(server, chat(newChat(), "hi", ",\"provider\":\"echo\""))) {
            List<String> payloads = s.toEnd();
            String runId = s.runId();
            assertEquals("/v1/runs/" + runId, s.header("Location").orElseThrow());
            JsonNode run = TestServer.json(server.get("/v1/runs/" + runId));
            assertEquals("completed", run.get("status").asText());
            assertEquals(sessionOf(payloads), run.get("session_id").asText());
            assertEquals(runId, UiStream.json(payloads.getFirst()).get("messageId").asText());
            var events = server.follow(runId).readToDone();
            assertEquals("you said hi", events.getLast().text("output"));
        }
    }

    @Test
    void aCancelMidStreamEndsTheMessageWithAbortAndFinish() {
        try (var s = UiStream.post(server, chat(newChat(), "go", ",\"provider\":\"slow\""))) {
            s.until(p -> UiStream.type(p).equals("text-delta"));
            var answer = server.post("/v1/runs/" + s.runId() + "/cancel", "");
            assertEquals(202, answer.statusCode());
            List<String> all = s.toEnd();
            List<String> tail = all.subList(all.size() - 6, all.size()).stream().map(UiStream::type).toList();
            assertEquals(List.of("text-end", "data-agent", "finish-step", "abort", "finish", "[DONE]"), tail);
            assertEquals("{\"type\":\"abort\"}", all.get(all.size() - 3));
            JsonNode finish = UiStream.json(all.get(all.size() - 2));
            assertEquals("cancelled", finish.get("messageMetadata").get("status").asText());
            assertEquals("cancelled", server.awaitEnd(s.runId()).status().wire());
            UiStreamFramesTest.assertPartsNest(all);
        }
    }

    @Test
    void resumingMidRunReplaysTheWholeStreamAsTheOriginalSentIt() {
        String chatId = newChat();
        try (var original = UiStream.post(server, chat(chatId, "go", ",\"provider\":\"slow\""))) {
            var resumed = new ArrayList<UiStream>();
            // At the start, early in the text and well into it: each replays from the first chunk.
            for (int seen : List.of(1, 10, 120)) {
                while (original.seenSoFar() < seen) original.next();
                resumed.add(UiStream.resume(server, chatId));
            }
            List<String> whole = original.toEnd();
            for (UiStream r : resumed) {
                try (r) {
                    assertEquals(200, r.status());
                    assertEquals(original.runId(), r.runId());
                    assertEquals("v1", r.header("x-vercel-ai-ui-message-stream").orElseThrow());
                    assertEquals(whole, r.toEnd());
                }
            }
            assertEquals(MANY.size() + 9, whole.size(), "start, step, agent, text start, the deltas, text end, agent, step, finish, done");
        }
    }

    @Test
    void aChatWithNoRunningRunHasNoStreamToResume() {
        String chatId = newChat();
        try (var none = UiStream.resume(server, chatId)) {
            assertEquals(204, none.status());
        }
        try (var s = UiStream.post(server, chat(chatId, "hi", ",\"provider\":\"echo\""))) {
            s.toEnd();
            server.awaitEnd(s.runId());
        }
        try (var ended = UiStream.resume(server, chatId)) {
            assertEquals(204, ended.status(), "its run has ended");
        }
    }

    @Test
    void aChatWithARunningRunRefusesASecondMessageUntilItEnds() {
        String chatId = newChat();
        try (var s = UiStream.post(server, chat(chatId, "go", ",\"provider\":\"slow\""))) {
            s.until(p -> UiStream.type(p).equals("text-delta"));
            try (var again = UiStream.post(server, chat(chatId, "more", ",\"provider\":\"echo\""))) {
                assertEquals(409, again.status());
            }
            server.post("/v1/runs/" + s.runId() + "/cancel", "");
            s.toEnd();
        }
    }

    private static String sessionOf(List<String> payloads) {
        return UiStream.json(payloads.getFirst()).get("messageMetadata").get("sessionId").asText();
    }

    /** Two users on one server with authentication on: the same chat id is two chats. */
    @Test
    void anotherUsersSameChatIdIsAnotherChat() {
        try (var authed = TestServer.start(weft.testing.Tokens.env(), SLOW, ECHO)) {
            String alice = "Bearer " + weft.testing.Tokens.of("alice");
            String bob = "Bearer " + weft.testing.Tokens.of("bob");
            String chatId = "shared-name";
            try (var a = UiStream.open(authed, java.net.http.HttpRequest.newBuilder(authed.uri("/v1/ui/chat"))
                    .header("Content-Type", "application/json").header("Authorization", alice)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(chat(chatId, "secret", ",\"provider\":\"slow\""))))) {
                String aliceStart = a.until(p -> UiStream.type(p).equals("text-delta"));
                try (var peek = UiStream.resume(authed, chatId, "Authorization", bob)) {
                    assertEquals(204, peek.status(), "bob has no running run in his chat of that name");
                }
                try (var b = UiStream.open(authed, java.net.http.HttpRequest.newBuilder(authed.uri("/v1/ui/chat"))
                        .header("Content-Type", "application/json").header("Authorization", bob)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(chat(chatId, "mine", ",\"provider\":\"echo\""))))) {
                    List<String> bobs = b.toEnd();
                    assertEquals("you said mine", UiStreamFramesTest.texts(bobs), "bob's model saw none of alice's chat");
                    assertNotEquals(sessionOf(a.seen()), sessionOf(bobs));
                }
                try (var mine = UiStream.resume(authed, chatId, "Authorization", alice)) {
                    assertEquals(200, mine.status());
                    assertEquals(a.runId(), mine.runId());
                    assertTrue(mine.until(p -> UiStream.type(p).equals("text-delta")).equals(aliceStart));
                }
                try (var nobody = UiStream.resume(authed, chatId)) {
                    assertEquals(401, nobody.status());
                }
            }
        }
    }
}
