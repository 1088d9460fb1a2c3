package weft.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What Secrets masks, and that Settings never prints a secret. */
class SecretsTest {
    private static final String ANTHROPIC = "sk-ant-api03-Zq8vLk2Jx9Wm4Rt7Yp1Ns6Hd3Gf5";
    private static final Map<String, String> ENV = Map.of("WEFT_PORT", "0",
            "ANTHROPIC_API_KEY", ANTHROPIC,
            "OPENAI_API_KEY", "sk-proj-OPENAIKEY4u7w9y2b5d8f",
            "OPENAI_BASE_URL", "https://alice:b4seP%40ss@llm.internal:8443/v1",
            "WEFT_JWT_SECRET", "jwt-secret-at-least-32-bytes-long-0123456789",
            "WEFT_METRICS_TOKEN", "metrics-token-77aa",
            "REDIS_URL", "redis://:r3disPassw0rd@127.0.0.1:6379/0");

    private final Secrets secrets = Secrets.of(Settings.load(ENV));

    @Test
    void aQuotedKeyIsMaskedWhole() {
        assertEquals("anthropic answered 401: Incorrect API key provided: [redacted].",
                secrets.scrub("anthropic answered 401: Incorrect API key provided: " + ANTHROPIC + "."));
    }

    @Test
    void aWordHoldingTwelveCharactersOfAKeyIsMasked() {
        String half = ANTHROPIC.substring(0, 24) + "…";
        String scrubbed = secrets.scrub("invalid x-api-key " + half + " (truncated)");
        assertFalse(scrubbed.contains(ANTHROPIC.substring(0, 20)), scrubbed);
        assertTrue(scrubbed.startsWith("invalid x-api-key [redacted]"), scrubbed);
        // A key's common prefix alone gives nothing away and stays readable.
        assertEquals("use a key starting sk-ant-", secrets.scrub("use a key starting sk-ant-"));
    }

    @Test
    void urlCredentialsAreMaskedInAnyUrlAndTheirPasswordAnywhere() {
        assertEquals("cannot connect to http://[redacted]@10.0.0.1:9/v1", secrets.scrub("cannot connect to http://bob:pw@10.0.0.1:9/v1"));
        assertEquals("Redis said r: [redacted]", secrets.scrub("Redis said r: r3disPassw0rd"));
        assertEquals("decoded [redacted]", secrets.scrub("decoded b4seP@ss"));
    }

    @Test
    void bearerTokensAndTicketParametersAreMasked() {
        assertEquals("Authorization: Bearer [redacted]", secrets.scrub("Authorization: Bearer eyJhbGciOi.J9x.yZ"));
        assertEquals("GET /v1/runs/r_1/events?after=3&ticket=[redacted]",
                secrets.scrub("GET /v1/runs/r_1/events?after=3&ticket=tk.abc.def"));
    }

    @Test
    void textWithoutSecretsIsUnchanged() {
        String text = "openai answered 429: Rate limit reached for gpt-4o-mini in organization org-abc on tokens per min";
        assertEquals(text, secrets.scrub(text));
        assertEquals(null, secrets.scrub(null));
    }

    @Test
    void settingsPrintNoSecret() {
        String text = Settings.load(ENV).toString();
        for (String secret : new String[]{ANTHROPIC, "OPENAIKEY", "b4seP", "jwt-secret", "metrics-token", "r3disPassw0rd"}) {
            assertFalse(text.contains(secret), secret + " in " + text);
        }
        assertTrue(text.contains("redisUrl=redis://[redacted]@127.0.0.1:6379/0"), text);
        assertTrue(text.contains("anthropicApiKey=set"), text);
    }

    @Test
    void aBadRedisUrlIsRefusedWithoutItsPassword() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Settings.load(Map.of("REDIS_URL", "redis://:hunter2hunter2@host:6379/x")));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void secretsFromTheEnvironmentAloneAreKnownBeforeTheSettingsParse() {
        var early = Secrets.of(Map.of("GEMINI_API_KEY", "AIzaGEMINIKEY0123456789", "WEFT_PORT", "not a port"));
        assertEquals("key [redacted] refused", early.scrub("key AIzaGEMINIKEY0123456789 refused"));
    }
}
