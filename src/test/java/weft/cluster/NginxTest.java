package weft.cluster;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.Await;
import weft.testing.RedisServer;
import weft.testing.RunEvents;
import weft.testing.SseStream;
import weft.testing.WeftProcess;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Weft instances on one Redis behind nginx, configured by {@code test-fixtures/nginx/weft.conf}
 * (the README's config) with only its placeholders filled in: streams pass event by event even
 * though nginx's buffering is on, because Weft says {@code X-Accel-Buffering: no}; a run started
 * on one instance resumes on the other; browsers get HTTP/2 and so more than six streams.
 */
class NginxTest {
    private static final Path CONFIG = Path.of("test-fixtures/nginx/weft.conf");
    /** Slow enough (a token every 50 ms, a run of about 2 s) that streamed and buffered look different. */
    private static final int TOKENS_PER_SECOND = 20;
    private static final String RUN = "{\"input\":\"What is streaming?\",\"max_tokens\":40}";
    /**
     * A delta that reaches the client this long (five tokens) after Weft wrote it was held back
     * on the way. Measured from the event's own {@code ts}, so a busy machine that slows the
     * model (which then catches up in a burst) does not look like buffering.
     */
    private static final Duration HELD = Duration.ofMillis(250);

    private static Path dir;
    private static Cluster cluster;
    private static WeftProcess a;
    private static WeftProcess b;
    private static Process nginx;
    private static int plainPort;
    private static int tlsPort;
    /** Speaks HTTP/2 over TLS as a browser does, trusting the certificate this test made. */
    private static HttpClient browser;

    @BeforeAll
    static void start() throws Exception {
        Optional<Path> binary = nginxBinary();
        Assumptions.assumeTrue(binary.isPresent(), "nginx is not installed (.ci/run installs it)");
        // nginx running as root runs its workers as nobody, and they must reach the temp paths.
        dir = Files.createTempDirectory("weft-nginx", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        cluster = Cluster.start(2, Map.of("WEFT_DEMO_TTFT", "0ms",
                "WEFT_DEMO_TOKENS_PER_SECOND", Integer.toString(TOKENS_PER_SECOND)));
        a = cluster.get(0);
        b = cluster.get(1);
        // A fresh JVM's first run loads and compiles much of Weft, which takes about a second:
        // a run on each first, so that the tests time nginx, not that.
        for (var weft : List.of(a, b)) open(post(weft.uri("/v1/runs"), "{\"input\":\"warm up\",\"max_tokens\":3}")).readToDone();
        browser = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(trusting(selfSignedCertificate())).connectTimeout(Duration.ofSeconds(5)).build();
        plainPort = RedisServer.freePort();
        tlsPort = RedisServer.freePort();
        startNginx(binary.get(), Map.of(
                "PREFIX", dir.toString(),
                "WEFT_A", "127.0.0.1:" + a.port(),
                "WEFT_B", "127.0.0.1:" + b.port(),
                "LISTEN", "127.0.0.1:" + plainPort,
                "TLS_LISTEN", "127.0.0.1:" + tlsPort,
                "CERT", dir.resolve("cert.pem").toString(),
                "KEY", dir.resolve("key.pem").toString()));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        // Whatever failed, and wherever start() stopped, nothing of ours is left running.
        if (nginx != null) {
            List<ProcessHandle> workers = nginx.descendants().toList();
            nginx.destroy(); // SIGTERM: the master stops its workers and exits
            if (!nginx.waitFor(10, TimeUnit.SECONDS)) nginx.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            workers.forEach(ProcessHandle::destroyForcibly); // only left if the master was killed
        }
        if (cluster != null) cluster.close();
    }

    @Test
    void aStreamedRunArrivesThroughNginxEventByEventNotBufferedToTheEnd() {
        List<Arrival> arrivals = readTimed(open(post(viaNginx("/v1/runs"), RUN)));
        RunEvents.assertWellFormed(events(arrivals));
        List<Arrival> deltas = deltas(arrivals);
        assertTrue(deltas.size() >= 20, "the run streamed " + deltas.size() + " deltas");
        Arrival first = deltas.getFirst();
        Arrival done = arrivals.getLast();
        assertTrue(done.arrived() - first.arrived() > (done.written() - first.written()) / 2,
                "the first delta arrived only " + (done.arrived() - first.arrived()) + " ms before done, of a run that wrote deltas for "
                        + (done.written() - first.written()) + " ms: the stream was held back");
        assertTrue(shareHeldBack(deltas) < 0.25, "deltas were held back; ms from written to arrived: " + delays(deltas));
    }

    @Test
    void withoutHonouringXAccelBufferingNginxHoldsTheStreamInLumps() {
        // /http10/ and /buffered/ both speak HTTP/1.0 to Weft, so its answer is not chunked and
        // nginx's buffering gathers it into 4 KB buffers. They differ only in that /buffered/
        // ignores X-Accel-Buffering: the header is what keeps the stream flowing.
        List<Arrival> honoured = readTimed(open(post(viaNginx("/http10/v1/runs"), RUN)));
        List<Arrival> ignored = readTimed(open(post(viaNginx("/buffered/v1/runs"), RUN)));
        RunEvents.assertWellFormed(events(honoured));
        RunEvents.assertWellFormed(events(ignored));
        assertTrue(shareHeldBack(deltas(honoured)) < 0.25,
                "with the header deltas were held back; ms from written to arrived: " + delays(deltas(honoured)));
        assertTrue(shareHeldBack(deltas(ignored)) > 0.4,
                "without it deltas came one by one; ms from written to arrived: " + delays(deltas(ignored)));
    }

    @Test
    void aRunStartedOnOneInstanceResumesOnTheOtherAndThroughNginxWithEveryEventOnce() {
        String runId = Cluster.background(a, "\"input\":\"What is streaming?\",\"max_tokens\":40");
        URI eventsViaNginx = viaNginx("/v1/runs/" + runId + "/events");

        var seen = new ArrayList<SseStream.Event>();
        try (var stream = open(HttpRequest.newBuilder(eventsViaNginx).build())) {
            for (int i = 0; i < 5; i++) seen.add(stream.nextEvent());
        }
        long resumedOnB = System.currentTimeMillis();
        try (var stream = Cluster.follow(b, runId, seen.getLast().id())) {
            for (int i = 0; i < 10; i++) seen.add(stream.nextEvent());
        }
        assertTrue(seen.getLast().data().get("ts").asLong() > resumedOnB,
                "B only replayed what A had written before it was asked; it should also follow the run live");
        try (var stream = open(resume(eventsViaNginx, seen.getLast().id()))) {
            seen.addAll(stream.readToDone());
        }
        RunEvents.assertWellFormed(seen); // 1, 2, 3 … N without a gap or a repeat, done last
        RunEvents.assertCompletedWith(seen.getLast().text("output"), seen);
    }

    @Test
    void overHttp2EightStreamsAtOnceShareOneConnectionAndAllStreamToDone() throws Exception {
        // One request first, so that the eight find the connection open and multiplex over it
        // (the client would otherwise race to open several).
        var health = browser.send(HttpRequest.newBuilder(viaTls("/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, health.version());

        List<CompletableFuture<HttpResponse<InputStream>>> sending = IntStream.range(0, 8)
                .mapToObj(i -> browser.sendAsync(post(viaTls("/v1/runs"), RUN), HttpResponse.BodyHandlers.ofInputStream()))
                .toList();
        var streams = new ArrayList<SseStream>();
        try {
            for (var response : sending) streams.add(SseStream.of(response.get(20, TimeUnit.SECONDS)));
            var runs = new ArrayList<List<SseStream.Event>>();
            for (var stream : streams) {
                assertEquals(HttpClient.Version.HTTP_2, stream.response().version());
                assertEquals(200, stream.status());
                var events = new ArrayList<SseStream.Event>();
                do events.add(stream.nextEvent()); while (!events.getLast().type().equals("delta"));
                runs.add(events);
            }
            long allFlowing = System.currentTimeMillis();
            for (int i = 0; i < streams.size(); i++) runs.get(i).addAll(streams.get(i).readToDone());
            var runIds = new ArrayList<String>();
            long firstDone = Long.MAX_VALUE;
            for (var events : runs) {
                RunEvents.assertWellFormed(events);
                RunEvents.assertCompletedWith(events.getLast().text("output"), events);
                runIds.add(events.getLast().text("run_id"));
                firstDone = Math.min(firstDone, events.getLast().data().get("ts").asLong());
            }
            assertTrue(allFlowing < firstDone, "all eight had streamed a delta at " + allFlowing
                    + ", but a run was done already at " + firstDone + ": they did not stream at once");
            assertOneHttp2Connection(runIds);
        } finally {
            streams.forEach(SseStream::close);
        }
    }

    /** nginx's access log names each request's client connection: the runs' POSTs share one. */
    private static void assertOneHttp2Connection(List<String> runIds) throws IOException {
        Path log = dir.resolve("access.log");
        // nginx writes a request's line just after its last byte, maybe after the client read it.
        Await.until("nginx has logged the eight runs", Duration.ofSeconds(10),
                () -> runIds.stream().allMatch(id -> read(log).contains("run=" + id + " ")));
        var lines = read(log).lines().filter(line -> runIds.stream().anyMatch(id -> line.contains("run=" + id + " "))).toList();
        assertEquals(8, lines.size(), String.join("\n", lines));
        assertTrue(lines.stream().allMatch(line -> line.contains("protocol=HTTP/2.0")), String.join("\n", lines));
        var connections = lines.stream().map(line -> line.replaceAll(".* connection=(\\d+).*", "$1")).distinct().toList();
        assertEquals(1, connections.size(), "the eight streams used connections " + connections + ":\n" + String.join("\n", lines));
    }

    // --- timing

    /** An event and when the client got it, in epoch milliseconds like the event's {@code ts} (one machine, one clock). */
    private record Arrival(SseStream.Event event, long arrived) {
        long written() { return event.data().get("ts").asLong(); }
    }

    /** Reads a stream to done, noting when each event arrived; the reader waits on each, so the time is its arrival. */
    private static List<Arrival> readTimed(SseStream stream) {
        try (stream) {
            assertEquals(200, stream.status());
            var arrivals = new ArrayList<Arrival>();
            do {
                SseStream.Event event = stream.nextEvent();
                arrivals.add(new Arrival(event, System.currentTimeMillis()));
            } while (!arrivals.getLast().event().type().equals("done"));
            return arrivals;
        }
    }

    private static List<SseStream.Event> events(List<Arrival> arrivals) {
        return arrivals.stream().map(Arrival::event).toList();
    }

    private static List<Arrival> deltas(List<Arrival> arrivals) {
        return arrivals.stream().filter(a -> a.event().type().equals("delta")).toList();
    }

    /** The share of the deltas that arrived more than {@link #HELD} after Weft wrote them. */
    private static double shareHeldBack(List<Arrival> deltas) {
        return (double) deltas.stream().filter(d -> d.arrived() - d.written() > HELD.toMillis()).count() / deltas.size();
    }

    /** For failure messages: each delta's milliseconds from written to arrived. */
    private static List<Long> delays(List<Arrival> deltas) {
        return deltas.stream().map(d -> d.arrived() - d.written()).toList();
    }

    // --- requests

    private static URI viaNginx(String path) {
        return URI.create("http://127.0.0.1:" + plainPort + path);
    }

    private static URI viaTls(String path) {
        return URI.create("https://127.0.0.1:" + tlsPort + path);
    }

    private static HttpRequest post(URI uri, String body) {
        return HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** A GET of the events after {@code lastSeen}, as a reconnecting EventSource sends it. */
    private static HttpRequest resume(URI events, long lastSeen) {
        return HttpRequest.newBuilder(events).header("Last-Event-ID", Long.toString(lastSeen)).build();
    }

    /** An SSE stream over HTTP/1.1, nginx's plain listener or an instance. */
    private static SseStream open(HttpRequest request) {
        try {
            return SseStream.of(Cluster.HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- nginx and its certificate

    private static Optional<Path> nginxBinary() {
        return Stream.concat(Stream.of(System.getenv().getOrDefault("PATH", "").split(":")), Stream.of("/usr/sbin"))
                .filter(p -> !p.isEmpty()).map(p -> Path.of(p, "nginx")).filter(Files::isExecutable).findFirst();
    }

    /** Fills in the config's placeholders, starts nginx in the foreground and waits until both listeners answer. */
    private static void startNginx(Path binary, Map<String, String> values) throws IOException {
        String config = Files.readString(CONFIG);
        for (var value : values.entrySet()) config = config.replace("@" + value.getKey() + "@", value.getValue());
        var left = Pattern.compile("@[A-Z_]+@").matcher(config);
        if (left.find()) throw new IllegalStateException(CONFIG + " has a placeholder this test does not fill: " + left.group());
        Path file = dir.resolve("weft.conf");
        Files.writeString(file, config);
        Path out = dir.resolve("nginx.out");
        nginx = new ProcessBuilder(binary.toString(), "-p", dir + "/", "-c", file.toString(), "-g", "daemon off;")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        Await.until("nginx listens on " + plainPort + " and " + tlsPort, Duration.ofSeconds(10),
                () -> !nginx.isAlive() || (listens(plainPort) && listens(tlsPort)));
        if (!nginx.isAlive()) {
            throw new IllegalStateException("nginx exited with " + nginx.exitValue() + ":\n" + read(out) + read(dir.resolve("error.log")));
        }
    }

    private static boolean listens(int port) {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /**
     * A key and self-signed certificate for 127.0.0.1, made with the JDK's keytool (so no
     * openssl is needed) and written as the PEM files nginx reads.
     */
    private static KeyStore selfSignedCertificate() throws IOException, InterruptedException, GeneralSecurityException {
        char[] password = "weft-test".toCharArray();
        Path store = dir.resolve("tls.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process make = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "weft", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", new String(password))
                .redirectErrorStream(true).redirectOutput(dir.resolve("keytool.out").toFile()).start();
        boolean ended = make.waitFor(60, TimeUnit.SECONDS);
        if (!ended) make.destroyForcibly();
        if (!ended || make.exitValue() != 0) throw new IllegalStateException("keytool failed:\n" + read(dir.resolve("keytool.out")));
        KeyStore keys = KeyStore.getInstance(store.toFile(), password);
        var certificate = keys.getCertificate("weft");
        Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", certificate.getEncoded()));
        Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", keys.getKey("weft", password).getEncoded()));
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        trusted.setCertificateEntry("weft", certificate);
        return trusted;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static SSLContext trusting(KeyStore trusted) throws GeneralSecurityException {
        var trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        var context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
