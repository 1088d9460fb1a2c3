package weft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

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
 * <p>Two more modes reuse the same client, levels and measurements ({@code --mode}, see
 * {@link BenchOptions}): {@code relay} puts the demo model behind an OpenAI-compatible mock
 * upstream ({@link OpenAiUpstream}), so that every token takes Weft's real provider path, and
 * compares with the core mode's Weft; {@code research} runs the built-in research workflow
 * (planner, researchers at once, synthesizer) many times at once.
 *
 * <p>Run with {@code ./run.sh bench [flags]}; see {@link BenchOptions} for the flags.
 */
public final class Bench {
    private static final Duration SETTLE = Duration.ofSeconds(1);

    /**
     * What one level measures: which server, fed by which model, asked what. {@code server}
     * names it in the report, {@code files} prefixes its files in the output directory.
     */
    private enum Setup {
        WEFT("weft", ""), BASELINE("baseline", ""), RELAY("weft (relay)", "relay-"), RESEARCH("weft (research)", "research-");

        final String server;
        final String files;

        Setup(String server, String files) {
            this.server = server;
            this.files = files;
        }

        /** "100-weft", "relay-100-weft", "research-1000-weft", "100-baseline". */
        String files(BenchOptions.Level level) {
            return files + level.streams() + (this == BASELINE ? "-baseline" : "-weft");
        }
    }

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
        List<Report.Row> core = List.of(), relay = List.of();
        List<LevelRun> research = List.of();
        try (var snapshot = ClassPathSnapshot.take()) {
            String classPath = snapshot.classPath();
            if (options.modes().contains(BenchOptions.Mode.CORE)) core = core(classPath);
            if (options.modes().contains(BenchOptions.Mode.RELAY)) relay = relay(classPath, core);
            if (options.modes().contains(BenchOptions.Mode.RESEARCH)) research = research(classPath);
        }
        String markdown = report.render(new Report.Results(core, relay, research), (System.nanoTime() - started) / 1e9);
        System.out.println();
        System.out.println(markdown);
        Path file = options.out().resolve("results.md");
        Files.writeString(file, markdown);
        System.out.println("(written to " + file + ")");
    }

    /** Weft with the demo model in process, and the baseline server, level by level. */
    private List<Report.Row> core(String classPath) throws IOException, InterruptedException {
        var rows = new ArrayList<Report.Row>();
        for (var level : options.levels()) {
            checkOpenFiles(level);
            LevelRun weft = measure(Setup.WEFT, level, classPath);
            LevelRun baseline = options.baseline() ? measure(Setup.BASELINE, level, classPath) : null;
            rows.add(new Report.Row(weft, baseline));
        }
        return rows;
    }

    /**
     * Weft relaying the mock upstream, at the core levels. Compared with the core mode's Weft at
     * the same level when this run measured it (the difference is the provider path), else
     * with the baseline server.
     */
    private List<Report.Row> relay(String classPath, List<Report.Row> core) throws IOException, InterruptedException {
        var coreWeft = new HashMap<Integer, LevelRun>();
        for (var row : core) coreWeft.put(row.weft().clients(), row.weft());
        var rows = new ArrayList<Report.Row>();
        for (var asked : options.levels()) {
            var level = fitOpenFiles(asked);
            checkOpenFiles(level);
            LevelRun relayed = measure(Setup.RELAY, level, classPath);
            LevelRun base = coreWeft.get(asked.streams());
            if (base == null && options.baseline()) base = measure(Setup.BASELINE, level, classPath);
            rows.add(new Report.Row(relayed, base));
        }
        return rows;
    }

    /** Concurrent research workflow runs on the demo model; there is no baseline to compare with. */
    private List<LevelRun> research(String classPath) throws IOException, InterruptedException {
        var runs = new ArrayList<LevelRun>();
        for (var level : options.researchLevels()) {
            checkOpenFiles(level);
            runs.add(measure(Setup.RESEARCH, level, classPath));
        }
        return runs;
    }

    /** One server, one level: start it (and its upstream), warm it up, measure the level, stop it. */
    private LevelRun measure(Setup setup, BenchOptions.Level level, String classPath) throws IOException, InterruptedException {
        long begin = System.nanoTime();
        System.err.printf("%s, %,d %s at %s tokens/s, max_tokens %d: starting…%n", setup.server, level.streams(),
                setup == Setup.RESEARCH ? "runs" : "streams", level.rate(), level.maxTokens());
        String files = setup.files(level);
        // A null resource is allowed, and not closed: only the relay mode has an upstream.
        try (var upstream = setup == Setup.RELAY ? startUpstream(level, classPath, files) : null;
             var child = start(setup, level, classPath, upstream, options.out().resolve(files + ".log"))) {
            warmUp(child, level);
            Thread.sleep(SETTLE); // let the warm-up's connections close and the JIT's queue drain
            long idleRss = Proc.rssKib(child.pid());
            RelayHistogram before = setup != Setup.BASELINE ? RelayHistogram.parse(child.get("/metrics")) : null;

            var window = new OpenWindow(level.streams());
            var meter = ServerMeter.watch(child.pid(), upstream == null ? -1 : upstream.pid(), window);
            var evidence = Thread.ofPlatform().name("bench evidence").start(() -> takeEvidence(child, upstream, window, files));
            List<StreamResult> results = Load.run(child.address(), level.streams(), asks(setup, level), level.duration(),
                    options.rampPerSecond(), expect(setup, level), window);
            ServerMeter.Usage usage = meter.join();
            window.over();
            evidence.join();

            RelayHistogram relay = null;
            if (before != null) {
                String metrics = child.get("/metrics");
                Files.writeString(options.out().resolve(files + "-metrics.txt"), metrics);
                relay = RelayHistogram.parse(metrics).minus(before);
            }
            EndToEnd endToEnd = upstream == null ? null : EndToEnd.match(upstream.get("/bench/writes"), results);
            var run = LevelRun.of(setup.server, files, level, results, usage, idleRss, relay, child.openFileLimit(),
                    window.firstTrouble().join(), (System.nanoTime() - begin) / 1e9, endToEnd);
            System.err.printf("%s, %,d: %,d %s read, %d errors, %d stalls, %.0f s%s%n", setup.server, level.streams(),
                    results.size(), setup == Setup.RESEARCH ? "runs" : "streams", run.errorCount(), run.stalls(), run.seconds(),
                    run.errorCount() > 0 ? " — first errors: " + run.firstErrorDetail() : "");
            return run;
        }
    }

    /** What each stream of a level asks; called from every client's thread. */
    private static Supplier<Ask> asks(Setup setup, BenchOptions.Level level) {
        var n = new AtomicLong();
        return switch (setup) {
            case WEFT, BASELINE -> {
                Ask chat = Ask.chat(level.maxTokens());
                yield () -> chat;
            }
            case RELAY -> () -> Ask.taggedChat(level.maxTokens(), n.incrementAndGet());
            case RESEARCH -> () -> Ask.research(
                    Ask.RESEARCH_INPUTS.get((int) (n.getAndIncrement() % Ask.RESEARCH_INPUTS.size())), level.maxTokens());
        };
    }

    /**
     * What a level's streams expect. A research run is three model calls one after another
     * (planner, researchers at once, synthesizer), each up to {@code max_tokens} long, with up to
     * seven agents' deltas in all; its time limit and gap array are sized for that.
     */
    private static StreamClient.Expect expect(Setup setup, BenchOptions.Level level) {
        long ttft = level.ttft().toNanos();
        if (setup != Setup.RESEARCH) return new StreamClient.Expect(ttft, level.stallNanos(), level.maxTokens(), level.limitNanos());
        long run = 3 * level.streamDuration().toNanos();
        return new StreamClient.Expect(ttft, level.stallNanos(), 8 * level.maxTokens(), 2 * run + 60_000_000_000L);
    }

    /**
     * At a level's first error or stall, while it is happening: every thread of the server
     * (virtual threads included) and of its upstream if it has one, and, for Weft, its metrics.
     * Files next to the results.
     */
    private void takeEvidence(ChildServer child, ChildServer upstream, OpenWindow window, String prefix) {
        String trouble = window.firstTrouble().join();
        if (trouble == null) return;
        try {
            Path dump = options.out().resolve(prefix + "-threads-at-first-trouble.txt");
            child.threadDump(dump);
            if (upstream != null) {
                upstream.threadDump(options.out().resolve(prefix.replaceAll("-weft$", "-upstream") + "-threads-at-first-trouble.txt"));
            }
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

    private ChildServer start(Setup setup, BenchOptions.Level level, String classPath, ChildServer upstream, Path log)
            throws IOException, InterruptedException {
        int port = ChildServer.freePort();
        if (setup == Setup.BASELINE) {
            return ChildServer.start("baseline", BaselineServer.class.getName(), classPath, port, List.of(
                    "--port", Integer.toString(port),
                    "--ttft-ms", Long.toString(level.ttft().toMillis()),
                    "--tps", Double.toString(level.tokensPerSecond()),
                    "--max-tokens", Integer.toString(level.maxTokens())), Map.of(), log);
        }
        var env = new HashMap<>(Map.of(
                "WEFT_PORT", Integer.toString(port),
                "WEFT_DEMO_TTFT", level.ttft().toMillis() + "ms",
                "WEFT_DEMO_TOKENS_PER_SECOND", Double.toString(level.tokensPerSecond()),
                "WEFT_MAX_ACTIVE_RUNS", "100000",
                // Ended runs are dropped 5 s after done, so the warm-up's are gone before the level.
                "WEFT_RUN_RETENTION", "5s"));
        if (upstream != null) {
            env.put("WEFT_PROVIDER", "openai");
            env.put("OPENAI_BASE_URL", "http://127.0.0.1:" + upstream.address().getPort() + "/v1");
            env.put("OPENAI_MODEL", "weft-demo-1");
            env.put("OPENAI_API_KEY", ""); // blank is unset: no key, whatever this shell exports
        }
        return ChildServer.start("weft", "weft.Main", classPath, port, List.of(), env, log);
    }

    /** The relay mode's model: the demo behind an OpenAI-compatible endpoint, at the level's ttft and rate. */
    private ChildServer startUpstream(BenchOptions.Level level, String classPath, String files)
            throws IOException, InterruptedException {
        int port = ChildServer.freePort();
        return ChildServer.start("upstream", OpenAiUpstream.class.getName(), classPath, port, List.of(
                "--port", Integer.toString(port),
                "--ttft-ms", Long.toString(level.ttft().toMillis()),
                "--tps", Double.toString(level.tokensPerSecond())), Map.of(),
                options.out().resolve(files.replaceAll("-weft$", "-upstream") + ".log"));
    }

    /**
     * A few short chat streams on the fresh server, discarded: the first requests of a JVM run
     * interpreted code and load classes, which says nothing about a server that has been up a
     * while. Two seconds' worth of tokens each, and at least two. (In the research mode too: a
     * research run at its level's rate lasts a minute; its workflow code warms up in the level.)
     */
    private void warmUp(ChildServer child, BenchOptions.Level level) throws InterruptedException {
        if (options.warmupStreams() <= 0) return;
        int tokens = (int) Math.max(2, Math.round(2 * level.tokensPerSecond()));
        var expect = new StreamClient.Expect(level.ttft().toNanos(), level.stallNanos(), tokens, level.limitNanos());
        Ask chat = Ask.chat(tokens);
        var results = Load.run(child.address(), options.warmupStreams(), () -> chat, Duration.ZERO, options.rampPerSecond(),
                expect, new OpenWindow(options.warmupStreams()));
        long failed = results.stream().filter(StreamResult::failed).count();
        if (failed > 0) System.err.println("  warm-up: " + failed + " of " + results.size() + " streams failed: "
                + results.stream().filter(StreamResult::failed).findFirst().map(StreamResult::detail).orElse(""));
    }

    /**
     * Relayed, a stream holds two sockets in Weft, the client's and the upstream's. A level that
     * does not fit in the open-file limit the servers get (a hard limit of 20,000 allows 10,000
     * streams but not 10,000 relayed ones) would measure that limit, not the relay: it is lowered
     * to what fits, in hundreds, with 400 files to spare for the JVM, and the report says so.
     */
    private static BenchOptions.Level fitOpenFiles(BenchOptions.Level level) {
        long limit = ChildServer.openFileLimitForChildren();
        int fits = (int) Math.max(1, (limit - 400) / 2 / 100 * 100);
        if (level.streams() <= fits) return level;
        System.err.printf("bench: %,d relayed streams need %,d+ open files in Weft, and the servers may open %,d: "
                + "the relay level is lowered to %,d streams (raise the hard limit, 'ulimit -Hn', to measure %,d).%n",
                level.streams(), 2L * level.streams() + 400, limit, fits, level.streams());
        return new BenchOptions.Level(fits, level.tokensPerSecond(), level.maxTokens(), level.ttft(), level.duration());
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
