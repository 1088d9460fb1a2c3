package weft.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A Weft instance in a child JVM (the test's own class path, {@code weft.Main}), for tests of
 * several instances and of crashes: it can be stopped with SIGTERM or killed with SIGKILL,
 * which no in-process server allows. Its output goes to a log file named in failures.
 */
public final class WeftProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final String instance;
    private final java.nio.file.Path log;
    private final java.util.concurrent.CountDownLatch drained = new java.util.concurrent.CountDownLatch(1);

    private WeftProcess(Process process, int port, String instance, java.nio.file.Path log) {
        this.process = process;
        this.port = port;
        this.instance = instance;
        this.log = log;
    }

    /** Starts an instance with the demo model and {@code env} over the defaults, and waits for its banner. */
    public static WeftProcess start(Map<String, String> env) throws IOException {
        return start(env, List.of(), 0);
    }

    /** As {@link #start(Map)}, with extra JVM options (process-wide JDK properties such as {@code -Djava.security.properties}). */
    public static WeftProcess start(Map<String, String> env, List<String> jvmOptions) throws IOException {
        return start(env, jvmOptions, 0);
    }

    /** As {@link #start(Map)}, with the child's open-file limit ({@code ulimit -n}) set to {@code fileLimit} (0: inherited). */
    public static WeftProcess start(Map<String, String> env, int fileLimit) throws IOException {
        return start(env, List.of(), fileLimit);
    }

    private static WeftProcess start(Map<String, String> env, List<String> jvmOptions, int fileLimit) throws IOException {
        var command = new ArrayList<String>();
        if (fileLimit > 0) command.addAll(List.of("bash", "-c", "ulimit -n " + fileLimit + " && exec \"$@\"", "weft"));
        command.addAll(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-preview", "-Dsun.net.httpserver.nodelay=true", "-Xmx512m"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "weft.Main", "--weft_port=0"));
        var log = java.nio.file.Files.createTempFile("weft-child", ".log");
        var builder = new ProcessBuilder(command).redirectErrorStream(true);
        var all = new HashMap<String, String>();
        all.put("WEFT_DEMO_TTFT", "0ms");
        all.putAll(env);
        builder.environment().putAll(all);
        Process process = builder.start();
        var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        var banner = Pattern.compile("https?://[^:]+:(\\d+) .*instance (i_[\\w-]+)");
        String line;
        var seen = new StringBuilder();
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            var m = banner.matcher(line);
            if (m.find()) {
                var child = new WeftProcess(process, Integer.parseInt(m.group(1)), m.group(2), log);
                Thread.ofVirtual().start(() -> child.drain(out));
                return child;
            }
        }
        throw new IllegalStateException("the child Weft exited before it listened:\n" + seen);
    }

    private void drain(BufferedReader out) {
        try (var file = java.nio.file.Files.newBufferedWriter(log)) {
            String line;
            while ((line = out.readLine()) != null) {
                file.write(line);
                file.newLine();
                file.flush();
            }
        } catch (IOException ended) {
            // The child has gone.
        } finally {
            drained.countDown();
        }
    }

    /** Stops the child (SIGTERM) and returns everything it printed after its banner. */
    public String closeAndReadLog() throws IOException, InterruptedException {
        close();
        if (!drained.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("the child's output did not end");
        return java.nio.file.Files.readString(log);
    }

    public int port() { return port; }

    /** The instance id it put in its banner, as run records name it. */
    public String instance() { return instance; }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public java.nio.file.Path log() { return log; }

    /** SIGKILL: no shutdown hook, no last words, as when a machine dies. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGSTOP: the process stands still with its sockets open, as in a long pause or a frozen VM. */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT: a frozen process goes on where it stood, unaware of the time it lost. */
    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
        if (exit != 0) throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + exit);
    }

    /** SIGTERM, then SIGKILL if it has not exited within ten seconds. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
