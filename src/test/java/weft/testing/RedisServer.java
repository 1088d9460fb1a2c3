package weft.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis for tests, found the way the brief says: {@code REDIS_URL} if it is set, else a
 * Testcontainers container where a Docker engine answers, else {@code redis-server} from PATH
 * on a free port ({@code .ci/run} installs it). {@link #shared()} is one Redis for the whole
 * test JVM; tests keep apart by giving every server its own key prefix. Tests that kill and
 * restart Redis start a {@link #process} of their own.
 */
public final class RedisServer implements AutoCloseable {
    private static RedisServer shared;

    private final String url;
    private final Runnable stop;
    private final Process process;
    private final int port;
    private final Path dir;
    private Process restarted;

    private RedisServer(String url, Runnable stop, Process process, int port, Path dir) {
        this.url = url;
        this.stop = stop;
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public String url() {
        return url;
    }

    /** The Redis every test of this JVM shares. */
    public static synchronized RedisServer shared() {
        if (shared == null) {
            shared = find();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "stop test redis"));
        }
        return shared;
    }

    private static RedisServer find() {
        String env = System.getenv("REDIS_URL");
        if (env != null && !env.isBlank()) return new RedisServer(env, () -> { }, null, -1, null);
        if (dockerAnswers()) {
            var container = new org.testcontainers.containers.GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
            container.start();
            return new RedisServer("redis://" + container.getHost() + ":" + container.getMappedPort(6379),
                    container::stop, null, -1, null);
        }
        return process();
    }

    private static boolean dockerAnswers() {
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable noDocker) {
            return false;
        }
    }

    /** A redis-server of this test's own, on a free port, persistence off: it can be killed and restarted. */
    public static RedisServer process() {
        return process(freePort());
    }

    /** The same on a given port (a test that starts Weft before its Redis). */
    public static RedisServer process(int port) {
        try {
            Path dir = Files.createTempDirectory("weft-redis");
            var server = new RedisServer("redis://127.0.0.1:" + port, () -> { }, launch(port, dir), port, dir);
            server.awaitUp(Duration.ofSeconds(10));
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("redis-server could not be started (is it on PATH? .ci/run installs it): " + e, e);
        }
    }

    private static Process launch(int port, Path dir) throws IOException {
        return new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    }

    /** SIGKILL, as a crash: everything in memory is gone. */
    public void kill() throws InterruptedException {
        current().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts again on the same port, empty. */
    public void restart() throws IOException {
        restarted = launch(port, dir);
        awaitUp(Duration.ofSeconds(10));
    }

    private Process current() {
        return restarted != null ? restarted : process;
    }

    private void awaitUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (var socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] answer = new byte[7];
                if (socket.getInputStream().readNBytes(answer, 0, 7) == 7 && new String(answer, StandardCharsets.US_ASCII).equals("+PONG\r\n")) return;
            } catch (IOException notYet) {
                Thread.onSpinWait();
            }
        }
        throw new IllegalStateException("redis-server on port " + port + " did not answer within " + timeout);
    }

    public static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        stop.run();
        if (process != null) current().destroyForcibly();
    }
}
