package weft.auth;

import org.junit.jupiter.api.Test;
import weft.config.Settings;
import weft.testing.Await;
import weft.testing.TestServer;
import weft.testing.Tokens;
import weft.testing.WeftProcess;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Without authentication Weft serves only this machine, unless its operator insists, loudly. */
class SecureByDefaultTest {
    private static final String REFUSAL = " is reachable from other machines, and no authentication is configured: "
            + "anyone who can reach it could read, follow and cancel every run. Set WEFT_JWT_SECRET (at least 32 bytes, "
            + "e.g. $(openssl rand -base64 32)) or WEFT_JWT_PUBLIC_KEY (a PEM public key file), or serve on 127.0.0.1; "
            + "WEFT_INSECURE=1 starts it open anyway";

    private static Settings.Auth auth(Map<String, String> env) {
        return Settings.load(env).auth();
    }

    @Test
    void loopbackHostsServeWithoutAuthentication() {
        for (String host : List.of("127.0.0.1", "::1", "localhost", "127.0.0.2")) {
            assertEquals(Exposure.LOOPBACK_ONLY, Exposure.of(auth(Map.of()), host), host);
        }
    }

    @Test
    void anyOtherHostWithoutAuthenticationRefusesToStart() {
        for (String host : List.of("0.0.0.0", "::", "192.0.2.10")) {
            var refused = assertThrows(IllegalArgumentException.class, () -> Exposure.of(auth(Map.of()), host));
            assertEquals("WEFT_HOST=" + host + REFUSAL, refused.getMessage());
        }
        var refused = assertThrows(IllegalArgumentException.class,
                () -> TestServer.start(Map.of("WEFT_HOST", "0.0.0.0")).close());
        assertEquals("WEFT_HOST=0.0.0.0" + REFUSAL, refused.getMessage());
    }

    @Test
    void anUnresolvableHostIsRefusedWithWhatToWrite() {
        var refused = assertThrows(IllegalArgumentException.class, () -> Exposure.of(auth(Map.of()), "no-such-host.invalid"));
        assertTrue(refused.getMessage().startsWith("WEFT_HOST=no-such-host.invalid does not resolve"), refused.getMessage());
    }

    @Test
    void withAuthenticationAnyHostServes() throws IOException, InterruptedException {
        assertEquals(Exposure.AUTHENTICATED, Exposure.of(auth(Tokens.env()), "0.0.0.0"));
        var env = new HashMap<>(Tokens.env());
        env.put("WEFT_HOST", "0.0.0.0");
        try (TestServer server = TestServer.start(env)) {
            var health = server.get("/healthz");
            assertEquals(200, health.statusCode());
            assertFalse(TestServer.json(health).has("insecure"), health.body());
        }
    }

    @Test
    void theDefaultServerSaysNothingAboutInsecurityOnHealthz() {
        try (TestServer server = TestServer.start(Map.of())) {
            assertFalse(TestServer.json(server.get("/healthz")).has("insecure"));
        }
    }

    @Test
    void theProcessRefusingToStartOpenExitsWith2AndSaysWhy() throws Exception {
        var command = List.of(ProcessHandle.current().info().command().orElseThrow(), "--enable-preview",
                "-cp", System.getProperty("java.class.path"), "weft.Main", "--weft_port=0", "--weft_host=0.0.0.0");
        var builder = new ProcessBuilder(command).redirectErrorStream(true);
        List.of("WEFT_JWT_SECRET", "WEFT_JWT_PUBLIC_KEY", "WEFT_INSECURE", "REDIS_URL").forEach(builder.environment()::remove);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue(), output);
        assertTrue(output.contains("weft: WEFT_HOST=0.0.0.0" + REFUSAL), output);
    }

    @Test
    void aLoopbackServerWithoutAuthenticationSaysSoAtStartUp() throws IOException {
        try (WeftProcess weft = WeftProcess.start(Map.of())) {
            Await.until("the notice is in the log", Duration.ofSeconds(10), () -> log(weft).contains(
                    "weft: no authentication configured (WEFT_JWT_SECRET / WEFT_JWT_PUBLIC_KEY): every caller is anonymous, "
                            + "so Weft serves only on the loopback address 127.0.0.1"));
        }
    }

    @Test
    void insecureOverridesTheRefusalWithAWarningAndSaysSoOnHealthz() throws Exception {
        try (WeftProcess weft = WeftProcess.start(Map.of("WEFT_HOST", "0.0.0.0", "WEFT_INSECURE", "1"))) {
            Await.until("the warning is in the log", Duration.ofSeconds(10), () -> log(weft).contains(
                    "weft: WARNING: WEFT_INSECURE=1 and no authentication: anyone who can reach 0.0.0.0 can read, "
                            + "follow and cancel every run; /healthz says \"insecure\": true"));
            var health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(weft.uri("/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertTrue(TestServer.json(health).get("insecure").asBoolean(), health.body());
        }
    }

    private static String log(WeftProcess weft) {
        try {
            return Files.readString(weft.log());
        } catch (IOException e) {
            return "";
        }
    }
}
