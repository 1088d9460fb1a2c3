package weft.providers;

import org.junit.jupiter.api.Test;
import weft.Main;
import weft.Weft;
import weft.config.Settings;
import weft.testing.MockProvider;
import weft.testing.TestServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A provider is available exactly when its variables are set, and the first one set becomes the default. */
class ConfiguredProvidersTest {

    private static String get(Weft weft, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + weft.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void withoutKeysOnlyTheDemoIsAvailableAndIsTheDefault() throws Exception {
        Weft weft = Main.start(Settings.load(Map.of("WEFT_PORT", "0")));
        try {
            var health = TestServer.JSON.readTree(get(weft, "/healthz"));
            assertEquals("demo", health.get("default_provider").asText());
            assertEquals("[\"demo\"]", health.get("providers").toString());
        } finally {
            weft.shutdown();
        }
    }

    @Test
    void anOpenAiCompatibleBaseUrlAloneEnablesOpenAiAndMakesItTheDefault() throws Exception {
        try (MockProvider mock = MockProvider.start()) {
            mock.enqueue(MockProvider.Reply.fixture("openai/basic.sse"));
            Weft weft = Main.start(Settings.load(Map.of("WEFT_PORT", "0", "OPENAI_BASE_URL", mock.baseUrl() + "/v1",
                    "OPENAI_MODEL", "llama3.2")));
            try {
                var health = TestServer.JSON.readTree(get(weft, "/healthz"));
                assertEquals("openai", health.get("default_provider").asText());
                var answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + weft.port() + "/v1/runs"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hi\",\"stream\":false}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals("completed", TestServer.JSON.readTree(answer.body()).get("status").asText(), answer.body());
                var sent = mock.requests().getFirst();
                assertEquals("/v1/chat/completions", sent.path());
                assertEquals("llama3.2", sent.json().get("model").asText());
                assertEquals(null, sent.header("Authorization"), "no key, no Authorization header");
            } finally {
                weft.shutdown();
            }
        }
    }

    @Test
    void anthropicKeyAndBaseUrlReachTheMessagesEndpoint() throws Exception {
        try (MockProvider mock = MockProvider.start()) {
            mock.enqueue(MockProvider.Reply.fixture("anthropic/basic.sse"));
            Weft weft = Main.start(Settings.load(Map.of("WEFT_PORT", "0", "ANTHROPIC_BASE_URL", mock.baseUrl(),
                    "ANTHROPIC_API_KEY", "sk-ant-x")));
            try {
                var answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + weft.port() + "/v1/runs"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hi\",\"stream\":false,\"provider\":\"anthropic\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals("completed", TestServer.JSON.readTree(answer.body()).get("status").asText(), answer.body());
                var sent = mock.requests().getFirst();
                assertEquals("/v1/messages", sent.path());
                assertEquals("sk-ant-x", sent.header("x-api-key"));
                assertEquals("claude-sonnet-4-5", sent.json().get("model").asText());
            } finally {
                weft.shutdown();
            }
        }
    }

    @Test
    void weftProviderChoosesTheDefaultAndMustBeAvailable() throws Exception {
        Weft weft = Main.start(Settings.load(Map.of("WEFT_PORT", "0", "GEMINI_API_KEY", "k", "WEFT_PROVIDER", "demo")));
        try {
            var health = TestServer.JSON.readTree(get(weft, "/healthz"));
            assertEquals("demo", health.get("default_provider").asText());
            assertTrue(health.get("providers").toString().contains("gemini"));
        } finally {
            weft.shutdown();
        }
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Main.start(Settings.load(Map.of("WEFT_PORT", "0", "WEFT_PROVIDER", "anthropic"))));
        assertTrue(e.getMessage().contains("ANTHROPIC_API_KEY"), e.getMessage());
    }
}
