package weft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Weft's benchmark: how many concurrent SSE streams it holds, how much latency it adds, and
 * what a stream costs in CPU and memory — each next to a minimal SSE server on the same JDK
 * stack ({@link BaselineServer}), measured in the same run.
 *
 * <p>For every level (number of concurrent streams) it starts a fresh Weft as a child process,
 * runs a short warm-up, then opens the level's streams from this process (one virtual thread
 * and one plain socket each, see {@link StreamClient}) and reads them to their {@code done}
 * event; then it does the same against a fresh baseline server.
 *
 * <p>Latency is measured at both ends of the same streams, in the same run:
 * <ul>
 *   <li>server end: Weft's {@code weft_event_relay_seconds} histogram, scraped from
 *       {@code /metrics} before and after the level. It times each delta from the moment it
 *       enters the run's log (synchronously inside the demo model's emit call) to the moment
 *       its frame has been flushed to the client's socket: what Weft adds between the model
 *       and the network, without the client's own scheduling in it. A histogram gives the
 *       bucket that holds a quantile, hence "≤ 0.3 ms".</li>
 *   <li>client end: {@link System#nanoTime()} taken when a read returns bytes, before parsing:
 *       time to first byte, time to first delta (which includes the model's ttft), and the gap
 *       between consecutive deltas (which includes the model's token interval). Both servers
 *       use the same demo model, so the Weft/baseline ratios isolate what Weft adds.</li>
 * </ul>
 *
 * <p>Run with {@code ./run.sh bench [flags]}; see {@link BenchOptions} for the flags.
 */
public final class Bench {
    private static final Duration SETTLE = Duration.ofSeconds(1);

    private final BenchOptions options;

    private Bench(BenchOptions options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage().equals("usage") ? BenchOptions.USAGE : "bench: " + e.getMessage() + "\n" + BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        new Bench(options).run();
    }

    private void run() throws Exception {
        Files.createDirectories(options.out());
        var report = new Report(options);
        System.out.println(report.preamble());
        long started = System.nanoTime();
        var rows = new ArrayList<Report.Row>();
        try (var snapshot = ClassPathSnapshot.take()) {
            for (var level : options.levels()) {
                checkOpenFiles(level);
                LevelRun weft = measure("weft", level, snapshot.classPath());
                LevelRun baseline = options.baseline() ? measure("baseline", level, snapshot.classPath()) : null;
                rows.add(new Report.Row(weft, baseline));
            }
        }
        String markdown = report.render(rows, (System.nanoTime() - started) / 1e9);
        System.out.println();
        System.out.println(markdown);
        Path file = options.out().resolve("results.md");
        Files.writeString(file, markdown);
        System.out.println("(written to " + file + ")");
    }

    /** One server, one level: start it, warm it up, measure the level, stop it. */
    private LevelRun measure(String server, BenchOptions.Level level, String classPath) throws IOException, InterruptedException {
        long begin = System.nanoTime();
        System.err.printf("%s, %,d streams at %s tokens/s, max_tokens %d: starting…%n",
                server, level.streams(), level.rate(), level.maxTokens());
        String prefix = level.streams() + "-" + server;
        try (var child = start(server, level, classPath, options.out().resolve(prefix + ".log"))) {
            var expect = new StreamClient.Expect(level.ttft().toNanos(), level.stallNanos(), level.maxTokens(), level.limitNanos());
            warmUp(child, level);
            Thread.sleep(SETTLE); // let the warm-up's connections close and the JIT's queue drain
            long idleRss = Proc.rssKib(child.pid());
            RelayHistogram before = server.equals("weft") ? RelayHistogram.parse(child.get("/metrics")) : null;

            var window = new OpenWindow(level.streams());
            var meter = ServerMeter.watch(child.pid(), window);
            var evidence = Thread.ofPlatform().name("bench evidence").start(() -> takeEvidence(child, window, prefix));
            List<StreamResult> results = Load.run(child.address(), level.streams(), level.maxTokens(), level.duration(),
                    options.rampPerSecond(), expect, window);
            ServerMeter.Usage usage = meter.join();
            window.over();
            evidence.join();

            RelayHistogram relay = null;
            if (before != null) {
                String metrics = child.get("/metrics");
                Files.writeString(options.out().resolve(prefix + "-metrics.txt"), metrics);
                relay = RelayHistogram.parse(metrics).minus(before);
            }
            var run = LevelRun.of(server, level, results, usage, idleRss, relay, child.openFileLimit(),
                    window.firstTrouble().join(), (System.nanoTime() - begin) / 1e9);
            System.err.printf("%s, %,d streams: %,d streams read, %d errors, %d stalls, %.0f s%s%n", server, level.streams(),
                    results.size(), run.errorCount(), run.stalls(), run.seconds(),
                    run.errorCount() > 0 ? " — first errors: " + run.firstErrorDetail() : "");
            return run;
        }
    }

    /**
     * At a level's first error or stall, while it is happening: every thread of the server
     * (virtual threads included) and, for Weft, its metrics. Files next to the results.
     */
    private void takeEvidence(ChildServer child, OpenWindow window, String prefix) {
        String trouble = window.firstTrouble().join();
        if (trouble == null) return;
        try {
            Path dump = options.out().resolve(prefix + "-threads-at-first-trouble.txt");
            child.threadDump(dump);
            if (prefix.endsWith("weft")) {
                Files.writeString(options.out().resolve(prefix + "-metrics-at-first-trouble.txt"), child.get("/metrics"));
            }
            System.err.println("  first trouble: " + trouble + "; thread dump in " + dump);
        } catch (IOException | RuntimeException e) {
            System.err.println("  first trouble: " + trouble + "; could not take evidence: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ChildServer start(String server, BenchOptions.Level level, String classPath, Path log)
            throws IOException, InterruptedException {
        int port = ChildServer.freePort();
        if (server.equals("weft")) {
            return ChildServer.start("weft", "weft.Main", classPath, port, List.of(), Map.of(
                    "WEFT_PORT", Integer.toString(port),
                    "WEFT_DEMO_TTFT", level.ttft().toMillis() + "ms",
                    "WEFT_DEMO_TOKENS_PER_SECOND", Double.toString(level.tokensPerSecond()),
                    "WEFT_MAX_ACTIVE_RUNS", "100000",
                    // Ended runs are dropped 5 s after done, so the warm-up's are gone before the level.
                    "WEFT_RUN_RETENTION", "5s"), log);
        }
        return ChildServer.start("baseline", BaselineServer.class.getName(), classPath, port, List.of(
                "--port", Integer.toString(port),
                "--ttft-ms", Long.toString(level.ttft().toMillis()),
                "--tps", Double.toString(level.tokensPerSecond()),
                "--max-tokens", Integer.toString(level.maxTokens())), Map.of(), log);
    }

    /**
     * A few short streams on the fresh server, discarded: the first requests of a JVM run
     * interpreted code and load classes, which says nothing about a server that has been up a
     * while. Two seconds' worth of tokens each, and at least two.
     */
    private void warmUp(ChildServer child, BenchOptions.Level level) throws InterruptedException {
        if (options.warmupStreams() <= 0) return;
        int tokens = (int) Math.max(2, Math.round(2 * level.tokensPerSecond()));
        var expect = new StreamClient.Expect(level.ttft().toNanos(), level.stallNanos(), tokens, level.limitNanos());
        var results = Load.run(child.address(), options.warmupStreams(), tokens, Duration.ZERO, options.rampPerSecond(),
                expect, new OpenWindow(options.warmupStreams()));
        long failed = results.stream().filter(StreamResult::failed).count();
        if (failed > 0) System.err.println("  warm-up: " + failed + " of " + results.size() + " streams failed: "
                + results.stream().filter(StreamResult::failed).findFirst().map(StreamResult::detail).orElse(""));
    }

    /** The client holds one socket per stream; say so up front rather than fail at stream 19,990. */
    private static void checkOpenFiles(BenchOptions.Level level) {
        try {
            String limits = Files.readString(Path.of("/proc/self/limits"));
            for (String line : limits.split("\n")) {
                if (!line.startsWith("Max open files")) continue;
                String soft = line.replaceAll("\\s+", " ").split(" ")[3];
                if (!soft.equals("unlimited") && Long.parseLong(soft) < level.streams() + 200L) {
                    System.err.printf("bench: %,d streams need %,d+ open files, and this process may open %s: "
                            + "raise it with 'ulimit -n' before running.%n", level.streams(), level.streams() + 200, soft);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // Not Linux, or an unexpected format: the streams will say so if it matters.
        }
    }
}
