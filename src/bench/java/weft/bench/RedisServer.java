package weft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Redis that {@code --redis} measures Weft on: the one {@code REDIS_URL} names, or else a
 * {@code redis-server} the bench starts for the run on a free loopback port, with persistence
 * off ({@code --save "" --appendonly no}: a snapshot's fork in the middle of a level would be
 * measured as Weft's latency) and stops at the end.
 *
 * <p>Every level gets a key prefix of its own ({@link #prefix}), so levels (and, on a shared
 * Redis, other users) do not see each other's runs; a level's keys are removed after it.
 */
final class RedisServer implements AutoCloseable {
    private final String url;
    private final Process process; // null for a Redis the bench did not start
    private final RedisProbe probe;
    private final String version;

    private RedisServer(String url, Process process, RedisProbe probe) throws IOException {
        this.url = url;
        this.process = process;
        this.probe = probe;
        this.version = probe.info("server").getOrDefault("redis_version", "?");
    }

    /** {@code REDIS_URL} if set, else a fresh {@code redis-server} logging to {@code log}. */
    static RedisServer startOrUse(String redisUrl, Path log) throws IOException, InterruptedException {
        if (redisUrl != null && !redisUrl.isBlank()) return new RedisServer(redisUrl.strip(), null, RedisProbe.connect(redisUrl.strip()));
        String binary = Files.isExecutable(Path.of("/usr/bin/redis-server")) ? "/usr/bin/redis-server" : "redis-server";
        int port = ChildServer.freePort();
        Files.createDirectories(log.getParent());
        Process process;
        try {
            process = new ProcessBuilder(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--daemonize", "no", "--maxclients", "10000"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IOException("--redis: cannot start redis-server (install it, e.g. 'apt-get install redis-server', "
                    + "or set REDIS_URL): " + e.getMessage(), e);
        }
        String url = "redis://127.0.0.1:" + port;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                return new RedisServer(url, process, RedisProbe.connect(url));
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IOException("redis-server did not answer on " + url + "; see " + log, notYet);
                }
                Thread.sleep(50);
            }
        }
    }

    String url() {
        return url;
    }

    boolean startedHere() {
        return process != null;
    }

    /** The redis-server's pid when the bench started it (its CPU is then read from /proc too); -1 otherwise. */
    long pid() {
        return process == null ? -1 : process.pid();
    }

    String version() {
        return version;
    }

    RedisProbe probe() {
        return probe;
    }

    /** A level's key prefix: this bench process and the level's files, so nothing collides. */
    static String prefix(String files) {
        return "weft-bench:" + ProcessHandle.current().pid() + ":" + files + ":";
    }

    /** Stops a Redis started here ({@code SHUTDOWN NOSAVE}, killed if it lingers); leaves an external one alone. */
    @Override
    public void close() {
        if (process != null) {
            try {
                probe.command("SHUTDOWN", "NOSAVE");
            } catch (IOException expected) {
                // Redis closes the connection instead of answering.
            }
        }
        probe.close();
        if (process == null) return;
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
