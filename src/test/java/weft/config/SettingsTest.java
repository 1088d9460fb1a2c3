package weft.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    @Test
    void defaultsAreTheEmbeddedOnes() {
        Settings s = Settings.load(Map.of());
        assertEquals("127.0.0.1", s.host());
        assertEquals(8080, s.port());
        assertNull(s.defaultProvider());
        assertNull(s.redisUrl());
        assertEquals(Duration.ofSeconds(15), s.heartbeat());
        assertEquals(Duration.ofSeconds(30), s.disconnectGrace());
        assertEquals(Duration.ofMinutes(10), s.runTimeout());
        assertEquals(Duration.ofMinutes(15), s.runRetention());
        assertEquals(Duration.ofSeconds(3), s.shutdownGrace());
        assertEquals(1 << 20, s.maxBodyBytes());
        assertEquals(Duration.ofMillis(300), s.demoTimeToFirstToken());
        assertEquals(60, s.demoTokensPerSecond());
    }

    @Test
    void flagsInLowerCaseOverrideTheEnvironment() {
        Settings s = Settings.load(Map.of("WEFT_PORT", "9000", "WEFT_HOST", "0.0.0.0"), "--weft_port=9001", "--weft_host", "::1");
        assertEquals(9001, s.port());
        assertEquals("::1", s.host());
    }

    @Test
    void durationsTakeUnitsAndBareNumbersAreSeconds() {
        assertEquals(Duration.ofMillis(250), Settings.parseDuration("250ms"));
        assertEquals(Duration.ofSeconds(30), Settings.parseDuration("30"));
        assertEquals(Duration.ofMinutes(15), Settings.parseDuration("15m"));
        assertEquals(Duration.ofHours(1), Settings.parseDuration("1h"));
    }

    @Test
    void aBadValueNamesTheVariableAndTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> Settings.load(Map.of("WEFT_HEARTBEAT", "soon")));
        assertTrue(e.getMessage().contains("WEFT_HEARTBEAT=soon"), e.getMessage());
        var p = assertThrows(IllegalArgumentException.class, () -> Settings.load(Map.of("WEFT_PORT", "70000")));
        assertTrue(p.getMessage().contains("WEFT_PORT=70000"), p.getMessage());
        var f = assertThrows(IllegalArgumentException.class, () -> Settings.load(Map.of(), "port"));
        assertTrue(f.getMessage().contains("'port'"), f.getMessage());
    }

    @Test
    void aSessionThatWouldExpireDuringItsLongestRunIsRefusedWithBothNames() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Settings.load(Map.of("WEFT_SESSION_TTL", "5m", "WEFT_RUN_TIMEOUT", "10m")));
        assertTrue(e.getMessage().contains("WEFT_SESSION_TTL=5m") && e.getMessage().contains("WEFT_RUN_TIMEOUT=10m"), e.getMessage());
        assertEquals(Duration.ofMinutes(11), Settings.load(Map.of("WEFT_SESSION_TTL", "11m")).sessionTtl());
    }
}
