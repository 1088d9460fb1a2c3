package weft.limits;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.store.UserCounters;
import weft.testing.TestServer;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The counters behind the per-user limits, as the server's own store has them (memory or Redis). */
class UserCountersTest {
    private static TestServer server;
    private static UserCounters counters;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
        counters = server.weft().stores().counters();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aPlaceWhoseInstanceStoppedRenewingItLapsesAndAnotherTakesIt() {
        long now = System.currentTimeMillis();
        assertTrue(counters.claim("runs", "addr:dead", "r_dead", 1, now, now + 100));
        assertFalse(counters.claim("runs", "addr:dead", "r_next", 1, now + 50, now + 10_000), "held until it lapses");
        assertTrue(counters.claim("runs", "addr:dead", "r_next", 1, now + 150, now + 10_000), "lapsed");
        counters.release("runs", "addr:dead", "r_next");
    }

    @Test
    void aRenewedPlaceIsKeptAndAReleasedOneIsFree() {
        long now = System.currentTimeMillis();
        assertTrue(counters.claim("streams", "addr:renewed", "s_1", 1, now, now + 1_000));
        counters.renew("streams", Map.of("addr:renewed", List.of("s_1")), now + 60_000);
        assertFalse(counters.claim("streams", "addr:renewed", "s_2", 1, now + 2_000, now + 60_000), "renewed past now");
        assertTrue(counters.claim("streams", "addr:renewed", "s_1", 1, now + 2_000, now + 60_000), "a holder keeps its place");
        counters.release("streams", "addr:renewed", "s_1");
        assertTrue(counters.claim("streams", "addr:renewed", "s_2", 1, now + 2_000, now + 60_000));
        counters.release("streams", "addr:renewed", "s_2");
    }

    @Test
    void usersAndKindsCountApart() {
        long now = System.currentTimeMillis();
        assertTrue(counters.claim("runs", "addr:a", "r_a", 1, now, now + 60_000));
        assertTrue(counters.claim("runs", "addr:b", "r_b", 1, now, now + 60_000), "another user");
        assertTrue(counters.claim("streams", "addr:a", "s_a", 1, now, now + 60_000), "another kind");
        counters.release("runs", "addr:a", "r_a");
        counters.release("runs", "addr:b", "r_b");
        counters.release("streams", "addr:a", "s_a");
    }

    @Test
    void theBucketRefusesTheThirdOfTwoAMinuteUntilATokenIsDueOrGivenBack() {
        long now = System.currentTimeMillis();
        assertEquals(0, counters.takeToken("addr:bucket", 2, now));
        assertEquals(0, counters.takeToken("addr:bucket", 2, now));
        long wait = counters.takeToken("addr:bucket", 2, now);
        assertTrue(wait >= 29 && wait <= 30, "one token every 30 s: wait " + wait);
        assertEquals(0, counters.takeToken("addr:bucket", 2, now + 30_000), "due after 30 s");
        counters.refundToken("addr:bucket", 2, now + 30_000);
        assertEquals(0, counters.takeToken("addr:bucket", 2, now + 30_000), "given back");
    }

    @Test
    void tokensCountPerUserAndDay() {
        long day = System.currentTimeMillis() / 86_400_000L;
        counters.addTokens("addr:tokens", day, 7);
        counters.addTokens("addr:tokens", day, 5);
        assertEquals(12, counters.tokensUsed("addr:tokens", day));
        assertEquals(0, counters.tokensUsed("addr:tokens", day + 1), "a new day starts at 0");
        assertEquals(0, counters.tokensUsed("addr:other", day));
    }
}
