package weft.cluster;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import weft.testing.SseStream;
import weft.testing.SseStream.Event;
import weft.testing.WeftProcess;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.cluster.Cluster.background;
import static weft.cluster.Cluster.follow;
import static weft.cluster.Cluster.get;
import static weft.cluster.Cluster.json;

/**
 * An instance puts a run's events on its feed exactly when followers elsewhere wait for them.
 * The heartbeat is ten minutes here, so a follower on another instance that the feed failed
 * would see nothing until then (its once-per-heartbeat read of the run's stream), and the
 * test's 20 s read timeout fails it.
 */
class FeedTest {
    private static Cluster cluster;
    private static WeftProcess a, b;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start(2, Map.of("WEFT_HEARTBEAT", "10m", "WEFT_DEMO_TOKENS_PER_SECOND", "25"));
        a = cluster.get(0);
        b = cluster.get(1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aFollowerOnAnotherInstanceGetsEveryEventLiveWithoutWaitingForAHeartbeat() {
        String runId = background(a, "\"input\":\"followed elsewhere\",\"max_tokens\":40");
        List<Event> seen;
        try (SseStream s = follow(b, runId, 0)) {
            seen = s.readToDone();
        }
        for (int i = 1; i <= seen.size(); i++) assertEquals(i, seen.get(i - 1).id(), "ids run 1, 2, 3 … without gaps");
        assertTrue(seen.size() > 20, "the run outlasted the follower's first read: " + seen.size() + " events");
        assertEquals(json(get(a, "/v1/runs/" + runId)).get("output").asText(), seen.getLast().text("output"));
        try (Jedis redis = new Jedis(URI.create(cluster.redis.url()))) {
            assertFalse(redis.exists("weft:watched:" + runId), "the mark goes with the run's done");
        }
    }

    /**
     * Each first follower elsewhere marks its run watched on a pooled connection; more runs
     * followed one after another than the pool holds (64) find a connection every time.
     */
    @Test
    void followingManyRunsElsewhereGivesEveryPooledConnectionBack() {
        for (int i = 0; i < 80; i++) {
            String runId = background(a, "\"input\":\"short run " + i + "\",\"max_tokens\":4");
            try (SseStream s = follow(b, runId, 0)) {
                assertEquals(200, s.status(), "follow " + i);
                assertEquals("done", s.readToDone().getLast().type(), "run " + i);
            }
        }
    }

    @Test
    void aRunFollowedOnlyWhereItExecutesPutsNothingOnTheFeed() {
        try (Jedis redis = new Jedis(URI.create(cluster.redis.url()))) {
            long before = feedEntries(redis);
            String runId = background(a, "\"input\":\"followed at home\",\"max_tokens\":20");
            try (SseStream s = follow(a, runId, 0)) {
                assertEquals("done", s.readToDone().getLast().type());
            }
            assertEquals(before, feedEntries(redis), "feed entries written for a run nobody follows elsewhere");
        }
    }

    /**
     * A run that starts on an instance has its tail there from its first event, so a follower
     * there asks Redis for nothing; the first follower elsewhere marks the run and reads its
     * stream in one pipeline, and then lives on the feed. (Before, each first follower read the
     * stream twice: once before waiting and once more after making its tail.)
     */
    @Test
    void aFollowerWhereTheRunStartedNeverReadsTheStreamAndOneElsewhereReadsItOnce() {
        try (Jedis redis = new Jedis(URI.create(cluster.redis.url()))) {
            long before = streamReads(redis);
            String home = background(a, "\"input\":\"followed at home\",\"max_tokens\":20");
            try (SseStream s = follow(a, home, 0)) {
                assertEquals("done", s.readToDone().getLast().type());
            }
            assertEquals(before, streamReads(redis), "XRANGEs for a follower where the run started");

            String away = background(a, "\"input\":\"followed elsewhere\",\"max_tokens\":20");
            try (SseStream s = follow(b, away, 0)) {
                assertEquals("done", s.readToDone().getLast().type());
            }
            assertEquals(before + 1, streamReads(redis), "XRANGEs for the first follower on another instance");
        }
    }

    /** How many XRANGE commands Redis has run since it started. */
    private static long streamReads(Jedis redis) {
        for (String line : redis.info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_xrange:")) return Long.parseLong(line.replaceAll("^cmdstat_xrange:calls=(\\d+),.*", "$1"));
        }
        return 0;
    }

    private static long feedEntries(Jedis redis) {
        long total = 0;
        for (String key : redis.keys("weft:feed:*")) total += redis.xlen(key);
        return total;
    }
}
