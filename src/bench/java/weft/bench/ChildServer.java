package weft.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A server under test, run as a child process: the same java binary and class path as the
 * benchmark (a private copy of it, see {@link ClassPathSnapshot}), fixed JVM flags, its output
 * in a log file. A separate process so that its CPU and
 * memory can be read from {@code /proc} without the client's mixed in, and so that every level
 * starts from a fresh JVM.
 */
final class ChildServer implements AutoCloseable {
    /**
     * The servers' JVM flags: the ones {@code ./run.sh} serves with (it passes them as
     * {@code WEFT_SERVER_JVM_OPTS}), so the benchmark measures the server as it is run.
     */
    static final List<String> JVM_FLAGS = jvmFlags(System.getenv("WEFT_SERVER_JVM_OPTS"));

    private static List<String> jvmFlags(String fromRunSh) {
        if (fromRunSh == null || fromRunSh.isBlank()) {
            return List.of("--enable-preview", "-Dsun.net.httpserver.nodelay=true");
        }
        return List.of(fromRunSh.strip().split("\\s+"));
    }
    /** The open-file limit asked for; the hard limit may be lower, and then that is what the child gets. */
    private static final int WANTED_OPEN_FILES = 65_536;

    private final String name;
    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private ChildServer(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts {@code mainClass} with {@code args} and {@code env} added to this process's
     * environment, then waits until {@code GET /healthz} answers 200.
     */
    static ChildServer start(String name, String mainClass, String classPath, int port, List<String> args,
                             Map<String, String> env, Path log) throws IOException, InterruptedException {
        var java = new ArrayList<String>();
        java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        java.addAll(JVM_FLAGS);
        // WEFT_BENCH_PROFILE=1: a JFR recording of each server, next to its log, for `jfr view hot-methods`.
        // CPU-time samples (every millisecond of CPU a thread burns, native frames included) say where
        // the CPU goes; the execution samples of the profile settings catch too few threads to say it.
        if ("1".equals(System.getenv("WEFT_BENCH_PROFILE"))) {
            java.add("-XX:StartFlightRecording=settings=profile,jdk.CPUTimeSample#enabled=true,"
                    + "jdk.CPUTimeSample#throttle=1ms,filename="
                    + log.toAbsolutePath().toString().replaceAll("\\.log$", "") + ".jfr");
        }
        // A JVM crash report goes next to the log, not into whatever directory the bench runs in.
        java.add("-XX:ErrorFile=" + log.toAbsolutePath().getParent().resolve("hs_err_pid%p.log"));
        java.add("-cp");
        java.add(classPath);
        java.add(mainClass);
        java.addAll(args);
        // bash raises the open-file limit (10,000 streams are 10,000 sockets), then becomes java:
        // with exec the child's pid is the JVM's pid, which /proc is read for.
        var command = new ArrayList<>(List.of("bash", "-c",
                "ulimit -n " + WANTED_OPEN_FILES + " 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec \"$@\"", "bench-child"));
        command.addAll(java);
        Files.createDirectories(log.getParent());
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        var child = new ChildServer(name, builder.start(), port, log);
        child.awaitHealthy(Duration.ofSeconds(30));
        return child;
    }

    /**
     * The open-file limit a child gets: the one asked for, or this process's hard limit if that is
     * lower (a child cannot raise its hard limit without privileges).
     */
    static long openFileLimitForChildren() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (!line.startsWith("Max open files")) continue;
                String hard = line.replaceAll("\\s+", " ").split(" ")[4]; // "Max open files <soft> <hard> files"
                return hard.equals("unlimited") ? WANTED_OPEN_FILES : Math.min(WANTED_OPEN_FILES, Long.parseLong(hard));
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or an unexpected format: assume the limit asked for.
        }
        return WANTED_OPEN_FILES;
    }

    /** A port nobody listens on now (there is a small race until the child binds it). */
    static int freePort() throws IOException {
        try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    long pid() {
        return process.pid();
    }

    /**
     * The Redis client name of a Weft child ({@code weft-<instance id>}, as its connections are
     * named), from the line it prints once listening; null if it has not said.
     */
    String redisClientName() {
        try {
            var m = java.util.regex.Pattern.compile("instance (i_[A-Za-z0-9_-]+)").matcher(Files.readString(log));
            return m.find() ? "weft-" + m.group(1) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Null while the process runs, else how it ended ("exited with 134"). */
    String exited() {
        return process.isAlive() ? null : "exited with " + process.exitValue();
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    Path log() {
        return log;
    }

    /** The open-file limit the child actually got, from {@code /proc/<pid>/limits}. */
    String openFileLimit() {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid()), "limits")).stream()
                    .filter(l -> l.startsWith("Max open files"))
                    .map(l -> l.replaceAll("\\s+", " ").split(" ")[3]) // "Max open files <soft> <hard> files"
                    .findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    /** GET a path; the body as text. */
    String get(String path) throws IOException, InterruptedException {
        var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) throw new IOException("GET " + path + " answered " + response.statusCode());
        return response.body();
    }

    private void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) throw new IOException(name + " exited with " + process.exitValue() + "; see " + log);
            try {
                get("/healthz");
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    close();
                    throw new IOException(name + " did not answer /healthz within " + timeout.toSeconds() + " s; see " + log, notYet);
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * Writes every thread's stack, virtual threads included, to {@code file} with
     * {@code jcmd <pid> Thread.dump_to_file}: evidence when a level goes wrong.
     */
    void threadDump(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid()), "Thread.dump_to_file", "-overwrite", file.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
    }

    /** Asks the server to stop (SIGTERM runs Weft's shutdown hook), and kills it if it takes over 10 s. */
    @Override
    public void close() {
        http.close();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
