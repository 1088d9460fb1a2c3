package weft.redis;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import weft.config.Settings;
import weft.store.Ids;
import weft.testing.Await;
import weft.testing.RedisServer;
import weft.testing.SseStream;
import weft.testing.TestServer;
import weft.testing.WeftProcess;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input and faults around Redis, each refused with a clear message or served as well as it can be. */
class RedisBadInputTest {

    @Test
    void aRedisUrlThatDoesNotParseStopsStartUpWithAMessageNamingTheVariable() throws Exception {
        for (String bad : new String[] {"localhost:6379", "http://localhost:6379", "redis://", "redis://h:6379/zero"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Settings.load(Map.of("REDIS_URL", bad)));
            assertTrue(e.getMessage().startsWith("REDIS_URL=" + bad), e.getMessage());
            assertTrue(e.getMessage().contains("redis://host:6379"), e.getMessage());
        }
        var refused = assertThrows(IllegalStateException.class, () -> WeftProcess.start(Map.of("REDIS_URL", "localhost:6379")));
        assertTrue(refused.getMessage().contains("weft: REDIS_URL=localhost:6379 is not a Redis URL"), refused.getMessage());
    }

    @Test
    void weftStartsWithoutItsRedisAnswers503AndServesOnceRedisAnswers() throws Exception {
        int port = RedisServer.freePort();
        try (TestServer server = TestServer.start(Map.of("REDIS_URL", "redis://127.0.0.1:" + port))) {
            var health = server.get("/healthz");
            assertEquals(503, health.statusCode());
            assertTrue(health.body().contains("Redis at 127.0.0.1:" + port), health.body());
            var refused = server.post("/v1/runs", "{\"input\":\"hi\"}");
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.headers().firstValue("Retry-After").isPresent());

            try (var _ = RedisServer.process(port)) {
                Await.until("Weft sees its Redis", Duration.ofSeconds(20), () -> server.get("/healthz").statusCode() == 200);
                var answer = server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false}");
                assertEquals(200, answer.statusCode(), answer.body());
                assertEquals("completed", TestServer.json(answer).get("status").asText());
            }
        }
    }

    @Test
    void keysAnotherProgramWroteUnderThePrefixAreReportedAsAFailedRunNotACrash() {
        String prefix = "bad:" + Ids.newId("") + ":";
        String url = RedisServer.shared().url();
        try (TestServer server = TestServer.start(Map.of("REDIS_URL", url, "WEFT_REDIS_PREFIX", prefix, "WEFT_HEARTBEAT", "200ms"));
             Jedis jedis = new Jedis(URI.create(url))) {
            jedis.hset(prefix + "run:r_alien", Map.of("owner", "anonymous", "status", "banana", "created_at", "soon"));
            var alien = server.get("/v1/runs/r_alien");
            assertEquals(200, alien.statusCode(), alien.body());
            assertEquals("failed", TestServer.json(alien).get("status").asText());

            // A record of Weft's shape whose stream holds an entry that is not an event.
            jedis.hset(prefix + "run:r_mixed", Map.of("owner", "anonymous", "status", "running", "created_at", "1",
                    "session_id", "s_x", "workflow", "chat", "instance", "i_elsewhere"));
            jedis.xadd(prefix + "events:r_mixed", new StreamEntryID(0, 1), Map.of("hello", "world"));
            try (SseStream stream = server.follow("r_mixed")) {
                var error = stream.nextEvent();
                assertEquals("error", error.type());
                assertEquals("corrupt_log", error.text("code"));
                assertTrue(error.text("message").contains("no field 'e'"), error.text("message"));
            }
            jedis.hset(prefix + "run:r_string", Map.of("owner", "anonymous", "status", "running", "created_at", "1",
                    "session_id", "s_x", "workflow", "chat", "instance", "i_elsewhere"));
            jedis.set(prefix + "events:r_string", "not a stream");
            try (SseStream stream = server.follow("r_string")) {
                assertEquals("corrupt_log", stream.nextEvent().text("code"));
            }
            assertEquals(200, server.get("/healthz").statusCode(), "the server goes on");
        }
    }

    @Test
    void anEventLogWhoseRunRecordHasExpiredIs404LikeAnUnknownRun() {
        String prefix = "gone:" + Ids.newId("") + ":";
        String url = RedisServer.shared().url();
        try (TestServer server = TestServer.start(Map.of("REDIS_URL", url, "WEFT_REDIS_PREFIX", prefix));
             Jedis jedis = new Jedis(URI.create(url))) {
            String runId = TestServer.json(server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false}")).get("run_id").asText();
            jedis.del(prefix + "run:" + runId); // as if its retention had run out first
            assertTrue(jedis.exists(prefix + "events:" + runId));
            assertEquals(404, server.get("/v1/runs/" + runId + "/events").statusCode());
            assertEquals(404, server.get("/v1/runs/" + runId).statusCode());
            assertEquals(404, server.post("/v1/runs/" + runId + "/cancel", "").statusCode());
        }
    }

    @Test
    void everyKeyWeftWritesCarriesThePrefixAndATimeToLive() {
        String prefix = "ttl:" + Ids.newId("") + ":";
        String url = RedisServer.shared().url();
        try (TestServer server = TestServer.start(Map.of("REDIS_URL", url, "WEFT_REDIS_PREFIX", prefix));
             Jedis jedis = new Jedis(URI.create(url))) {
            var done = TestServer.json(server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false}"));
            String session = done.get("session_id").asText();
            server.send(HttpRequest.newBuilder(server.uri("/v1/runs")).header("Idempotency-Key", "k1")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"x\",\"stream\":false,\"session_id\":\"" + session + "\"}")));
            String runId = done.get("run_id").asText();
            assertEquals(200, server.post("/v1/runs/" + runId + "/ticket", "").statusCode()); // creates the ticket key
            var keys = jedis.keys(prefix + "*");
            assertTrue(keys.size() >= 9, keys.toString()); // 2 runs and streams, session and messages, key, indexes, ticket key
            assertTrue(keys.contains(prefix + "key:tickets"), keys.toString());
            for (String key : keys) {
                boolean index = key.equals(prefix + "leases") || key.equals(prefix + "ended") || key.equals(prefix + "sessions");
                if (index) continue; // sorted sets whose members go with the keys they name
                if (key.equals(prefix + "key:tickets")) continue; // one per deployment: must outlive every ticket it signed
                assertNotEquals(-1, jedis.pttl(key), key + " has no time to live"); // -2: gone since (a released lock)
            }
        }
    }
}
