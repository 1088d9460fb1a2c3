package weft.redis;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import weft.providers.Usage;
import weft.store.Ids;
import weft.store.RunRecord;
import weft.store.RunStatus;
import weft.testing.RedisServer;
import weft.testing.TestServer;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A key's expiry and the index that counts it name the same instant, so once the count (the
 * {@code weft_sessions} and {@code weft_retained_runs} gauges, the caps) has let go of a session
 * or a run, reading it answers 404 too, however late Redis ran the command that renewed it.
 */
class KeyExpiryTest {
    private static final long HOUR = Duration.ofHours(1).toMillis();

    @Test
    void aSessionUsedWhileRedisAnswersLateExpiresAtItsUsePlusItsTimeToLive() {
        String prefix = "expiry:" + Ids.newId("") + ":";
        String url = RedisServer.shared().url();
        try (TestServer server = TestServer.start(Map.of("REDIS_URL", url, "WEFT_REDIS_PREFIX", prefix, "WEFT_SESSION_TTL", "1h"));
             Jedis jedis = new Jedis(URI.create(url))) {
            String session = TestServer.json(server.post("/v1/runs", "{\"input\":\"hi\",\"stream\":false}")).get("session_id").asText();
            // Every command waits 200 ms: the use is stamped before Redis runs it, and a time to live
            // counted from when Redis ran it would end 200 ms after the index says it does.
            jedis.clientPause(200);
            assertEquals(200, server.get("/v1/sessions/" + session).statusCode());

            long lastUse = jedis.zscore(prefix + "sessions", session).longValue();
            assertEquals(lastUse + HOUR, jedis.pexpireTime(prefix + "session:" + session), "the session's hash");
            assertEquals(lastUse + HOUR, jedis.pexpireTime(prefix + "session:" + session + ":messages"), "its messages");
        }
    }

    @Test
    void anEndedRunsRecordAndEventsExpireAtItsEndPlusTheRetention() {
        String prefix = "expiry:" + Ids.newId("") + ":";
        String url = RedisServer.shared().url();
        try (TestServer server = TestServer.start(Map.of("REDIS_URL", url, "WEFT_REDIS_PREFIX", prefix, "WEFT_RUN_RETENTION", "1h"));
             Jedis jedis = new Jedis(URI.create(url))) {
            var runs = server.weft().stores().runs();
            long now = System.currentTimeMillis();
            runs.create(RunRecord.started("r_slow_end", "anonymous", "s_x", "chat", "hi", "i_here", now, now + 10_000, null));
            jedis.xadd(prefix + "events:r_slow_end", new StreamEntryID(0, 1), Map.of("e", "{}"));
            // An ending stamped 5 s before it reached Redis (a finisher that waited on a slow store).
            long endedAt = now - 5_000;
            assertTrue(runs.end("r_slow_end", new RunRecord.Ending(RunStatus.COMPLETED, "out", Usage.ZERO, endedAt, 2)));

            assertEquals(endedAt, jedis.zscore(prefix + "ended", "r_slow_end").longValue(), "the index counts from the end");
            assertEquals(endedAt + HOUR, jedis.pexpireTime(prefix + "run:r_slow_end"), "the record");
            assertEquals(endedAt + HOUR, jedis.pexpireTime(prefix + "events:r_slow_end"), "the events");
        }
    }
}
