package weft.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
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
 * <p>With {@code --redis} every core level is measured a second time with Weft's stores in
 * one Redis ({@link RedisServer}), right after the in-memory Weft of the same level, and
 * compared with it; with {@code --instances N} that Redis serves N Weft instances: runs start
 * on the first, in the background, and client i follows its run on instance i mod N (the
 * in-memory Weft then gets the same background-and-follow traffic on its one instance, so
 * that the comparison differs only in the store). Redis's counters before and after the level
 * and over its open window give commands, round trips and CPU per delta ({@link RedisStats},
 * {@link RedisMeter}).
 *
 * <p>Run with {@code ./run.sh bench [flags]}; see {@link BenchOptions} for the flags.
 */
public final class Bench {
    private static final Duration SETTLE = Duration.ofSeconds(1);
    /** How long the servers keep an ended run. */
    private static final Duration RETENTION = Duration.ofSeconds(5);

    /**
     * What one level measures: which server, fed by which model, asked what. {@code server}
     * names it in the report, {@code files} prefixes its files in the output directory.
     */
    private enum Setup {
        WEFT("weft", ""), BASELINE("baseline", ""), RELAY("weft (relay)", "relay-"), RESEARCH("weft (research)", "research-"),
        REDIS("weft (redis)", "redis-");

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
        if (args.length > 0 && args[0].equals("--burst")) {
            Burst.run(args.length > 1 ? Integer.parseInt(args[1]) : 70_000, Path.of("target/bench"));
            return;
        }
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
        var onRedis = new ArrayList<Report.RedisRow>();
        String redisServer = null;
        // A null resource is allowed, and not closed: only --redis has a Redis.
        try (var snapshot = ClassPathSnapshot.take();
             var redis = options.redis() ? RedisServer.startOrUse(System.getenv("REDIS_URL"), options.out().resolve("redis-server.log")) : null) {
            if (redis != null) {
                redisServer = "Redis " + redis.version() + (redis.startedHere()
                        ? ", started by the bench on " + redis.url() + " (`redis-server --save \"\" --appendonly no`)"
                        : " at REDIS_URL " + redis.url());
                System.err.println("bench: " + redisServer);
            }
            String classPath = snapshot.classPath();
            if (options.modes().contains(BenchOptions.Mode.CORE)) core = core(classPath, redis, onRedis);
            if (options.modes().contains(BenchOptions.Mode.RELAY)) relay = relay(classPath, core);
            if (options.modes().contains(BenchOptions.Mode.RESEARCH)) research = research(classPath);
        }
        String markdown = report.render(new Report.Results(core, relay, research, onRedis, redisServer),
                (System.nanoTime() - started) / 1e9);
        System.out.println();
        System.out.println(markdown);
        Path file = options.out().resolve("results.md");
        Files.writeString(file, markdown);
        System.out.println("(written to " + file + ")");
    }

    /**
     * Weft with the demo model in process, and the baseline server, level by level; with a
     * Redis, Weft on it right after the in-memory Weft of the same level, into {@code onRedis}.
     */
    private List<Report.Row> core(String classPath, RedisServer redis, List<Report.RedisRow> onRedis)
            throws IOException, InterruptedException {
        var rows = new ArrayList<Report.Row>();
        for (var level : options.levels()) {
            checkOpenFiles(level);
            LevelRun weft = measure(Setup.WEFT, level, classPath);
            if (redis != null) onRedis.add(new Report.RedisRow(weft, measure(Setup.REDIS, level, classPath, redis)));
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

    private LevelRun measure(Setup setup, BenchOptions.Level level, String classPath) throws IOException, InterruptedException {
        return measure(setup, level, classPath, null);
    }

    /**
     * One server, one level: start it (its upstream, its instances on {@code redis}), warm it up,
     * measure the level, stop it; then remove the level's keys from Redis.
     */
    private LevelRun measure(Setup setup, BenchOptions.Level level, String classPath, RedisServer redis)
            throws IOException, InterruptedException {
        long begin = System.nanoTime();
        String server = label(setup);
        System.err.printf("%s, %,d %s at %s tokens/s, max_tokens %d: starting…%n", server, level.streams(),
                setup == Setup.RESEARCH ? "runs" : "streams", level.rate(), level.maxTokens());
        String files = setup.files(level);
        String prefix = redis == null ? null : RedisServer.prefix(files);
        LevelRun run;
        // A null resource is allowed, and not closed: only the relay mode has an upstream.
        try (var upstream = setup == Setup.RELAY ? startUpstream(level, classPath, files) : null;
             var weft = start(setup, level, classPath, upstream, redis, prefix, files)) {
            ChildServer child = weft.first();
            IntFunction<StreamClient.Route> routes = routes(setup, weft);
            warmUp(routes, level);
            if (options.warmLevel()) {
                Load.run(routes, level.streams(), asks(setup, level), level.duration(), options.rampPerSecond(),
                        expect(setup, level), new OpenWindow(level.streams()));
                Thread.sleep(RETENTION); // the warm level's ended runs are let go of before the measured one
            }
            Thread.sleep(SETTLE); // let the warm-up's connections close and the JIT's queue drain
            long idleRss = ServerMeter.rss(weft.pids());
            List<RelayHistogram> before = new ArrayList<>();
            if (setup != Setup.BASELINE) for (var c : weft.all()) before.add(RelayHistogram.parse(c.get("/metrics")));
            RedisStats redisBefore = redis == null ? null : RedisStats.take(redis.probe());
            double cpuBefore = cpuSeconds(weft);

            var window = new OpenWindow(level.streams());
            var meter = ServerMeter.watch(weft.pids(), upstream == null ? -1 : upstream.pid(), redis == null ? -1 : redis.pid(), window);
            var redisMeter = redis == null ? null : RedisMeter.watch(redis.probe(), window);
            var evidence = Thread.ofPlatform().name("bench evidence").start(() -> takeEvidence(weft, upstream, window, files));
            List<StreamResult> results = Load.run(routes, level.streams(), asks(setup, level), level.duration(),
                    options.rampPerSecond(), expect(setup, level), window);
            double levelCpu = cpuBefore < 0 ? -1 : cpuSeconds(weft) - cpuBefore;
            ServerMeter.Usage usage = meter.join();
            RedisMeter.Window redisWindow = redisMeter == null ? null : redisMeter.finish();
            window.over();
            evidence.join();
            String trouble = window.firstTrouble().join();
            for (int i = 0; i < weft.all().size(); i++) {
                // A crashed instance (the JVM has crashed in jcmd's thread dump) ends the level's figures, not the bench.
                String exited = weft.all().get(i).exited();
                if (exited == null) continue;
                String what = server + " instance " + (char) ('A' + i) + " " + exited + " during the level; see "
                        + weft.all().get(i).log();
                System.err.println("  " + what);
                trouble = trouble == null ? what : trouble + "; " + what;
            }

            RedisLevel onRedis = null;
            if (redis != null) {
                long deltas = results.stream().mapToLong(StreamResult::deltas).sum();
                var names = weft.all().stream().map(ChildServer::redisClientName).toList();
                onRedis = new RedisLevel(RedisStats.take(redis.probe()).minus(redisBefore), deltas, redisWindow, names);
            }
            RelayHistogram relay = null;
            if (!before.isEmpty() && weft.all().stream().allMatch(c -> c.exited() == null)) {
                relay = RelayHistogram.parse("");
                for (int i = 0; i < weft.all().size(); i++) {
                    String metrics = weft.all().get(i).get("/metrics");
                    Files.writeString(options.out().resolve(files + (i == 0 ? "" : "-" + (char) ('a' + i)) + "-metrics.txt"), metrics);
                    relay = relay.plus(RelayHistogram.parse(metrics).minus(before.get(i)));
                }
            }
            EndToEnd endToEnd = upstream == null ? null : EndToEnd.match(upstream.get("/bench/writes"), results);
            run = LevelRun.of(server, files, level, results, usage, idleRss, relay, child.openFileLimit(),
                    trouble, (System.nanoTime() - begin) / 1e9, endToEnd, weft.all().size(),
                    routes.apply(0).followed(), onRedis, levelCpu);
        } finally {
            if (redis != null) {
                try {
                    redis.probe().deleteUnder(prefix);
                } catch (IOException e) {
                    System.err.println("  could not remove the level's keys (" + prefix + "*) from Redis: " + e.getMessage());
                }
            }
        }
        System.err.printf("%s, %,d: %,d %s read, %d errors, %d stalls, %d lost, %d duplicated, %.0f s%s%n", server,
                level.streams(), run.streams(), setup == Setup.RESEARCH ? "runs" : "streams", run.errorCount(), run.stalls(),
                run.lostEvents(), run.duplicateEvents(), run.seconds(),
                run.errorCount() > 0 ? " — first errors: " + run.firstErrorDetail() : "");
        return run;
    }

    /** Every instance's CPU so far, in seconds; -1 if /proc cannot say. */
    private static double cpuSeconds(Instances weft) {
        double sum = 0;
        try {
            for (long pid : weft.pids()) sum += Proc.cpuSeconds(pid);
            return sum;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** How the report names a setup: "weft (redis, 2 instances)" when there are more than one. */
    private String label(Setup setup) {
        if (setup == Setup.REDIS && options.instances() > 1) return "weft (redis, " + options.instances() + " instances)";
        if (setup == Setup.WEFT && options.instances() > 1) return "weft (memory, background + follow)";
        return setup.server;
    }

    /**
     * Where each client's streams go. With one instance a POST streams its run. With
     * {@code --instances N} runs start on the first instance in the background and client i
     * follows on instance i mod N (so half the followers of two instances read runs that execute
     * elsewhere, through Redis); the in-memory Weft of the same level gets the same kind of
     * traffic on its one instance, so the two differ only in the store.
     */
    private IntFunction<StreamClient.Route> routes(Setup setup, Instances weft) {
        InetSocketAddress first = weft.first().address();
        boolean follow = options.instances() > 1 && (setup == Setup.REDIS || setup == Setup.WEFT);
        if (!follow) return i -> StreamClient.Route.streamed(first);
        return i -> new StreamClient.Route(first, weft.all().get(i % weft.all().size()).address());
    }

    /** One level's server processes: a single child, or several Weft instances on one Redis; closed together. */
    private record Instances(List<ChildServer> all) implements AutoCloseable {
        ChildServer first() {
            return all.getFirst();
        }

        long[] pids() {
            return all.stream().mapToLong(ChildServer::pid).toArray();
        }

        @Override
        public void close() {
            for (ChildServer c : all) c.close();
        }
    }

    /** What each stream of a level asks; called from every client's thread. */
    private static Supplier<Ask> asks(Setup setup, BenchOptions.Level level) {
        var n = new AtomicLong();
        return switch (setup) {
            case WEFT, BASELINE, REDIS -> {
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
    private void takeEvidence(Instances weft, ChildServer upstream, OpenWindow window, String prefix) {
        String trouble = window.firstTrouble().join();
        if (trouble == null) return;
        try {
            Path dump = options.out().resolve(prefix + "-threads-at-first-trouble.txt");
            ChildServer child = weft.first();
            child.threadDump(dump);
            for (int i = 1; i < weft.all().size(); i++) {
                weft.all().get(i).threadDump(options.out().resolve(prefix + "-" + (char) ('a' + i) + "-threads-at-first-trouble.txt"));
            }
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

    /**
     * The level's server: the baseline, or Weft (one instance, or {@code --instances} on
     * {@code redis} under {@code prefix}). Instance logs: {@code <files>.log}, then
     * {@code <files>-b.log} …
     */
    private Instances start(Setup setup, BenchOptions.Level level, String classPath, ChildServer upstream, RedisServer redis,
                            String prefix, String files) throws IOException, InterruptedException {
        int count = setup == Setup.REDIS ? options.instances() : 1;
        var all = new ArrayList<ChildServer>();
        try {
            for (int i = 0; i < count; i++) {
                Path log = options.out().resolve(files + (i == 0 ? "" : "-" + (char) ('a' + i)) + ".log");
                all.add(start(setup, level, classPath, upstream, redis, prefix, log));
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            for (ChildServer c : all) c.close();
            throw e;
        }
        return new Instances(List.copyOf(all));
    }

    private ChildServer start(Setup setup, BenchOptions.Level level, String classPath, ChildServer upstream, RedisServer redis,
                              String prefix, Path log) throws IOException, InterruptedException {
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
                "WEFT_RUN_RETENTION", RETENTION.toSeconds() + "s"));
        // Every stream is a connection: room for the level, whatever the file limit would derive.
        env.put("WEFT_MAX_CONNECTIONS", Integer.toString(level.streams() + 500));
        // In memory unless this level is on Redis, whatever this shell exports (blank is unset).
        env.put("REDIS_URL", redis == null ? "" : redis.url());
        env.put("WEFT_REDIS_PREFIX", redis == null ? "" : prefix);
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
    private void warmUp(IntFunction<StreamClient.Route> routes, BenchOptions.Level level) throws InterruptedException {
        if (options.warmupStreams() <= 0) return;
        int tokens = (int) Math.max(2, Math.round(2 * level.tokensPerSecond()));
        var expect = new StreamClient.Expect(level.ttft().toNanos(), level.stallNanos(), tokens, level.limitNanos());
        Ask chat = Ask.chat(tokens);
        var results = Load.run(routes, options.warmupStreams(), () -> chat, Duration.ZERO, options.rampPerSecond(),
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
