package weft.edge;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.RunEvents;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.TestServer;
import weft.testing.WeftProcess;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTPS from a PKCS#12 keystore made here with keytool, the client trusting exactly that
 * certificate: streaming, resume and cancel work over it, old protocols are refused, and every
 * half or broken TLS configuration refuses to start.
 */
class TlsTest {
    private static final String PASSWORD = "correct horse";
    private static final List<String> PIECES = IntStream.range(0, 40).mapToObj(i -> " t" + i).toList();
    private static final ScriptedProvider PACED = ScriptedProvider.of("paced", PIECES).pausing(Duration.ofMillis(5));
    private static final ScriptedProvider ENDLESS = ScriptedProvider.of("endless",
            IntStream.range(0, 100_000).mapToObj(i -> " w" + i).toList()).pausing(Duration.ofMillis(20));

    private static Path dir;
    private static Path keystore;
    private static TestServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("weft-tls");
        keystore = dir.resolve("weft.p12");
        keytool("-genkeypair", "-alias", "weft", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", PASSWORD);
        server = TestServer.start(tls(Map.of()), PACED, ENDLESS);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trusting(keystore))
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) server.close();
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) Files.delete(file);
            }
            Files.delete(dir);
        }
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool failed: " + out);
    }

    private static Map<String, String> tls(Map<String, String> more) {
        var env = new HashMap<>(Map.of("WEFT_TLS_KEYSTORE", keystore.toString(), "WEFT_TLS_PASSWORD", PASSWORD));
        env.putAll(more);
        return env;
    }

    /** A client that trusts the certificate in the keystore and nothing else. */
    private static SSLContext trusting(Path store) throws Exception {
        var keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD.toCharArray());
        }
        var trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(keys);
        var context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static URI https(int port, String path) {
        return URI.create("https://127.0.0.1:" + port + path);
    }

    private static URI https(String path) {
        return https(server.weft().port(), path);
    }

    private static SseStream open(HttpRequest.Builder request) throws Exception {
        return SseStream.of(client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(https(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRunStreamsOverHttps() throws Exception {
        try (var stream = open(HttpRequest.newBuilder(https("/v1/runs")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hi\",\"provider\":\"paced\"}")))) {
            assertEquals(200, stream.status());
            var events = stream.readToDone();
            RunEvents.assertWellFormed(events);
            assertEquals(String.join("", PIECES), RunEvents.deltas(events));
        }
    }

    @Test
    void aStreamResumesOverHttpsWithLastEventIdMissingNothing() throws Exception {
        String runId = TestServer.json(post("/v1/runs", "{\"input\":\"hi\",\"provider\":\"paced\",\"background\":true}"))
                .get("run_id").asText();
        var seen = new ArrayList<SseStream.Event>();
        try (var first = open(HttpRequest.newBuilder(https("/v1/runs/" + runId + "/events")))) {
            for (int i = 0; i < 3; i++) seen.add(first.nextEvent());
        }
        try (var resumed = open(HttpRequest.newBuilder(https("/v1/runs/" + runId + "/events"))
                .header("Last-Event-ID", Long.toString(seen.getLast().id())))) {
            seen.addAll(resumed.readToDone());
        }
        for (int i = 0; i < seen.size(); i++) assertEquals(i + 1, seen.get(i).id(), "ids without gaps or repeats");
        assertEquals(String.join("", PIECES), RunEvents.deltas(seen));
    }

    @Test
    void aRunIsCancelledOverHttps() throws Exception {
        String runId = TestServer.json(post("/v1/runs", "{\"input\":\"hi\",\"provider\":\"endless\",\"background\":true}"))
                .get("run_id").asText();
        try (var stream = open(HttpRequest.newBuilder(https("/v1/runs/" + runId + "/events")))) {
            SseStream.Event event;
            do event = stream.nextEvent(); while (!event.type().equals("delta")); // it is generating
            var cancel = post("/v1/runs/" + runId + "/cancel", "");
            assertEquals(202, cancel.statusCode(), cancel.body());
            var events = stream.readToDone();
            assertEquals("cancelled", events.getLast().text("status"));
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsRefused() {
        var stranger = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThrows(SSLHandshakeException.class, () -> stranger.send(HttpRequest.newBuilder(https("/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void tls12AndTls13ClientsAreServed() throws Exception {
        for (String protocol : new String[]{"TLSv1.2", "TLSv1.3"}) {
            var params = new SSLParameters();
            params.setProtocols(new String[]{protocol});
            var only = HttpClient.newBuilder().sslContext(trusting(keystore)).sslParameters(params)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            var answer = only.send(HttpRequest.newBuilder(https("/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), protocol);
        }
    }

    /**
     * In a child JVM whose security settings allow TLS 1.0 and 1.1 (the JDK's defaults refuse
     * them anyway), so that only Weft's own protocol list can refuse them; openssl plays the old
     * client, since this JVM will not speak TLS 1.1 either.
     */
    @Test
    void aTls11OnlyClientIsRefusedEvenWhereTheJdkWouldAllowIt() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        Path security = dir.resolve("old-protocols.security");
        Files.writeString(security, "jdk.tls.disabledAlgorithms=SSLv3, RC4, NULL\n");
        try (var child = WeftProcess.start(tls(Map.of()), List.of("-Djava.security.properties=" + security))) {
            String modern = openssl(child.port(), "-tls1_2");
            assertTrue(modern.contains("New, TLSv1.2, Cipher is ECDHE"), "a TLS 1.2 client got no session:\n" + modern);
            String old = openssl(child.port(), "-tls1_1");
            assertTrue(old.contains("Cipher is (NONE)") && old.contains("alert protocol version"),
                    "a TLS 1.1 client was not refused with a protocol_version alert:\n" + old);
            var health = client.send(HttpRequest.newBuilder(https(child.port(), "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
        }
    }

    private static String openssl(int port, String protocol) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + port, protocol,
                "-cipher", "DEFAULT:@SECLEVEL=0").redirectErrorStream(true).start();
        p.getOutputStream().close(); // like </dev/null: handshake, then quit
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl did not finish");
        return out;
    }

    @Test
    void halfATlsConfigurationRefusesToStartNamingTheMissingSetting() {
        var noPassword = assertThrows(IllegalArgumentException.class,
                () -> TestServer.start(Map.of("WEFT_TLS_KEYSTORE", keystore.toString())));
        assertTrue(noPassword.getMessage().contains("without WEFT_TLS_PASSWORD"), noPassword.getMessage());
        var noKeystore = assertThrows(IllegalArgumentException.class, () -> TestServer.start(Map.of("WEFT_TLS_PASSWORD", PASSWORD)));
        assertTrue(noKeystore.getMessage().contains("without WEFT_TLS_KEYSTORE"), noKeystore.getMessage());
    }

    @Test
    void aWrongPasswordOrABadFileRefusesToStartSayingWhich() throws IOException {
        var wrong = assertThrows(IllegalArgumentException.class, () -> TestServer.start(tls(Map.of("WEFT_TLS_PASSWORD", "wrong"))));
        assertTrue(wrong.getMessage().contains("WEFT_TLS_PASSWORD does not open"), wrong.getMessage());
        var missing = assertThrows(IllegalArgumentException.class,
                () -> TestServer.start(tls(Map.of("WEFT_TLS_KEYSTORE", dir.resolve("nowhere.p12").toString()))));
        assertTrue(missing.getMessage().contains("is not a readable file"), missing.getMessage());
        Path pem = dir.resolve("not-a-keystore.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        var notPkcs12 = assertThrows(IllegalArgumentException.class, () -> TestServer.start(tls(Map.of("WEFT_TLS_KEYSTORE", pem.toString()))));
        assertTrue(notPkcs12.getMessage().contains("is not a PKCS#12 keystore"), notPkcs12.getMessage());
    }
}
