package weft.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static weft.bench.Report.fmt;
import static weft.bench.Report.pair;

/**
 * The {@code --redis} section of the report: each core level on Redis next to the in-memory
 * Weft of the same level and invocation, what Redis did for it, and the targets.
 */
final class RedisReport {
    /** Redis ÷ memory CPU per delta must stay within this. */
    static final double CPU_TARGET = 1.5;
    /** The per-delta latency Redis may add at 1,000 streams, at p99, in ns. */
    static final long ADDED_P99_TARGET_NANOS = 5_000_000;

    private RedisReport() {}

    static void section(StringBuilder out, List<Report.RedisRow> rows, String server) {
        int instances = rows.getFirst().redis().instances();
        out.append("\n## Redis: Weft's stores in Redis, against Weft in memory (same run)\n\n");
        out.append(server).append(". ");
        out.append(instances == 1
                ? "One Weft instance on it; each stream is a `POST /v1/runs` that streams its run, as in memory. "
                : instances + " Weft instances on it. Runs start on the first instance (`POST /v1/runs` with "
                + "`\"background\":true`); client i reads its run with `GET /v1/runs/{id}/events` from instance i mod "
                + instances + ", so " + (instances - 1) + " in " + instances + " followers read a run that executes on "
                + "another instance, through Redis. The in-memory Weft of the same level gets the same background + follow "
                + "traffic on its one instance. ");
        out.append("Each level runs in memory first, then on Redis: fresh processes, the same client, level, rate and "
                + "warm-up. Latencies in ms. Log → client: a delta's `ts` (when it entered its run's log, epoch ms) to the "
                + "client's read, on the same clock: ms steps, so it reads up to 1 ms high, alike on both sides; added = "
                + "Redis − memory at the same quantile. Open window: only the deltas that arrived "
                + "while all of the level's streams were open (no ramp, no tail). CPU per delta is over the open window; "
                + "Weft's is every instance's together (per instance in brackets); the whole level's figures (ramp and "
                + "tail included) stand in when a level on Redis never had all its streams open at once. Of which JIT: the "
                + "part the JVMs' compiler threads used, compiling code that got hot during the level (Weft on Redis has "
                + "more of it: the Redis client's). A long-running server pays it once, but code not compiled yet also runs "
                + "slower, so the ratio without it is only a first guess at the steady state: `--warm-level` measures that. "
                + "The targets count all of Weft's CPU.\n\n");

        out.append("| streams | errors mem / Redis | stalls mem / Redis | events lost / duplicated, mem / Redis "
                + "| streams without done, mem / Redis | log → client p50 / p99, memory | log → client p50 / p99, Redis "
                + "| added p50 / p99 | open window: log → client p50 / p99, memory / Redis | open window: added p50 / p99 "
                + "| relay (server) p99, memory / Redis | Weft CPU µs / delta, memory "
                + "| Weft CPU µs / delta, Redis | ×memory CPU / delta | of which JIT µs / delta, memory / Redis "
                + "| ×memory, JIT left out | Redis CPU µs / delta | (Weft + Redis) ×memory "
                + "| whole level: Weft CPU µs / delta, memory / Redis | whole level: ×memory | whole level: Redis CPU µs / delta |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (var row : rows) {
            LevelRun m = row.memory(), r = row.redis();
            out.append("| ").append(String.format(Locale.ROOT, "%,d", r.clients()))
                    .append(" | ").append(m.errorCount()).append(" / ").append(r.errorCount())
                    .append(" | ").append(m.stalls()).append(" / ").append(r.stalls())
                    .append(" | ").append(m.lostEvents()).append(" / ").append(m.duplicateEvents())
                    .append(", ").append(r.lostEvents()).append(" / ").append(r.duplicateEvents())
                    .append(" | ").append(m.withoutDone()).append(" / ").append(r.withoutDone())
                    .append(" | ").append(pair(m.appendToRead()))
                    .append(" | ").append(pair(r.appendToRead()))
                    .append(" | ").append(signedMs(added(row, 0.5, false))).append(" / ").append(signedMs(added(row, 0.99, false)))
                    .append(" | ").append(pair(m.windowAppendToRead())).append(", ").append(pair(r.windowAppendToRead()))
                    .append(" | ").append(signedMs(added(row, 0.5, true))).append(" / ").append(signedMs(added(row, 0.99, true)))
                    .append(" | ").append(relayP99(m)).append(" / ").append(relayP99(r))
                    .append(" | ").append(fmt(m.cpuMicrosPerDelta(), 1))
                    .append(" | ").append(fmt(r.cpuMicrosPerDelta(), 1)).append(perInstance(r))
                    .append(" | ").append(ratio(r.cpuMicrosPerDelta(), m.cpuMicrosPerDelta()))
                    .append(" | ").append(fmt(m.jitMicrosPerDelta(), 1)).append(" / ").append(fmt(r.jitMicrosPerDelta(), 1))
                    .append(" | ").append(ratio(r.cpuMicrosPerDelta() - r.jitMicrosPerDelta(), m.cpuMicrosPerDelta() - m.jitMicrosPerDelta()))
                    .append(" | ").append(fmt(r.redisCpuMicrosPerDelta(), 1))
                    .append(" | ").append(ratio(r.cpuMicrosPerDelta() + r.redisCpuMicrosPerDelta(), m.cpuMicrosPerDelta()))
                    .append(" | ").append(fmt(m.levelCpuMicrosPerDelta(), 1)).append(" / ").append(fmt(r.levelCpuMicrosPerDelta(), 1))
                    .append(" | ").append(ratio(r.levelCpuMicrosPerDelta(), m.levelCpuMicrosPerDelta()))
                    .append(" | ").append(fmt(r.redis().cpuMicrosPerDelta(), 1))
                    .append(" |\n");
        }

        out.append("\n### What Redis did per delta\n\n");
        out.append("Redis's counters (`INFO stats`, `INFO commandstats`) just before the level's first stream and just after "
                + "its last, the bench's own commands taken out, ÷ the deltas the clients received over the level (per-run "
                + "commands included). Round trips are `total_reads_processed`: a request or a whole pipelined batch "
                + "reaches Redis in one read (up to 16 KiB), so this counts requests and batches, whatever their size. "
                + "Writes are `total_writes_processed`: replies and messages pushed to blocked readers and subscribers. "
                + "Connected clients: `INFO clients` every 250 ms from the level's first stream to its last, the bench's "
                + "probe not counted; by client name (Weft names its connections `weft-<instance>`), largest first.\n\n");
        out.append("| streams | deltas in the level | commands / delta | XADD / delta | XRANGE / delta | XREAD / delta "
                + "| round trips / delta | commands / round trip | writes / delta | connected clients, peak | per instance, peak |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (var row : rows) {
            LevelRun r = row.redis();
            RedisLevel x = r.redis();
            var w = x.window();
            out.append("| ").append(String.format(Locale.ROOT, "%,d", r.clients()))
                    .append(" | ").append(String.format(Locale.ROOT, "%,d", x.levelDeltas()))
                    .append(" | ").append(fmt(x.perDelta(x.level().commands()), 2))
                    .append(" | ").append(fmt(x.perDelta(x.level().calls("xadd")), 2))
                    .append(" | ").append(fmt(x.perDelta(x.level().calls("xrange")), 2))
                    .append(" | ").append(fmt(x.perDelta(x.level().calls("xread")), 3))
                    .append(" | ").append(fmt(x.perDelta(x.level().reads()), 2))
                    .append(" | ").append(fmt(x.commandsPerRoundTrip(), 2))
                    .append(" | ").append(fmt(x.perDelta(x.level().writes()), 2))
                    .append(" | ").append(w == null || w.peakClients() < 0 ? "–" : Integer.toString(w.peakClients()))
                    .append(" | ").append(w == null ? "–" : byName(w.peakByName(), x.clientNames()))
                    .append(" |\n");
        }
        out.append("\nCommands per delta, by command, over each level:\n\n");
        for (var row : rows) {
            RedisLevel x = row.redis().redis();
            var calls = new ArrayList<>(x.level().calls().entrySet());
            calls.sort(Map.Entry.<String, Long>comparingByValue().reversed());
            var parts = new ArrayList<String>();
            for (var e : calls) {
                if (e.getValue() <= 0) continue;
                parts.add(e.getKey().toUpperCase(Locale.ROOT) + " " + fmt(x.perDelta(e.getValue()), 3)
                        + " (" + String.format(Locale.ROOT, "%,d", e.getValue()) + ")");
            }
            out.append(String.format(Locale.ROOT, "- %,d streams: ", row.redis().clients())).append(String.join(", ", parts)).append('\n');
        }

        var measured = rows.stream().map(Report.RedisRow::redis).toList();
        Report.context(out, measured);
        out.append("\n### Weft on Redis: relay histogram per level (observations per bucket, every instance)\n\n");
        for (var r : measured) if (r.relay() != null) Report.histogramLine(out, r);
        Report.problems(out, measured);

        out.append("\n### Targets (Redis)\n\n");
        for (var row : rows) {
            LevelRun m = row.memory(), r = row.redis();
            // The open window's figure when both runs had one; else the whole level's (ramp and tail included).
            boolean window = !Double.isNaN(r.cpuMicrosPerDelta()) && !Double.isNaN(m.cpuMicrosPerDelta());
            double redis = window ? r.cpuMicrosPerDelta() : r.levelCpuMicrosPerDelta();
            double memory = window ? m.cpuMicrosPerDelta() : m.levelCpuMicrosPerDelta();
            double x = redis / memory;
            out.append(String.format(Locale.ROOT, "- %,d streams, Weft CPU per delta on Redis ≤ %.1f× in memory: ", r.clients(), CPU_TARGET))
                    .append(Double.isNaN(x) ? "not measured" : (x <= CPU_TARGET ? "**met**" : "**not met**"))
                    .append(" (").append(fmt(redis, 1)).append(" vs ").append(fmt(memory, 1))
                    .append(" µs: ").append(ratio(redis, memory))
                    .append(window ? ", open window" : ", whole level: not every stream was open at once on Redis").append(")\n");
        }
        var thousand = rows.stream().filter(row -> row.redis().clients() == 1000).findFirst();
        out.append("- 1,000 streams, added per-delta latency p99 < 5 ms: ").append(thousand.map(row -> {
            var says = new ArrayList<String>();
            for (boolean window : new boolean[] {false, true}) {
                long added = added(row, 0.99, window);
                Percentiles m = window ? row.memory().windowAppendToRead() : row.memory().appendToRead();
                Percentiles r = window ? row.redis().windowAppendToRead() : row.redis().appendToRead();
                String verdict = added == Long.MIN_VALUE ? "not measured" : added < ADDED_P99_TARGET_NANOS ? "**met**" : "**not met**";
                says.add((window ? "open window " : "whole level ") + verdict + " (log → client p99 " + Report.ms(m.at(0.99))
                        + " in memory, " + Report.ms(r.at(0.99)) + " on Redis: " + signedMs(added) + " ms added)");
            }
            return String.join("; ", says);
        }).orElse("not measured (no level of 1,000 streams)")).append('\n');
        for (var row : rows) {
            for (LevelRun run : List.of(row.memory(), row.redis())) {
                boolean ok = run.lostEvents() == 0 && run.duplicateEvents() == 0 && run.withoutDone() == 0;
                out.append(String.format(Locale.ROOT, "- %,d streams, %s: 0 lost or duplicated events, every stream ends with done: ",
                                run.clients(), run.server()))
                        .append(ok ? "**met**" : "**not met**")
                        .append(String.format(Locale.ROOT, " (%,d streams, %,d events: %d lost, %d duplicated, %d without done)%n",
                                run.streams(), run.events(), run.lostEvents(), run.duplicateEvents(), run.withoutDone()));
            }
        }
    }

    /** Redis − memory, log → client at quantile {@code q} over the whole level or the open window, in ns. */
    static long added(Report.RedisRow row, double q, boolean window) {
        long m = (window ? row.memory().windowAppendToRead() : row.memory().appendToRead()).at(q);
        long r = (window ? row.redis().windowAppendToRead() : row.redis().appendToRead()).at(q);
        return m < 0 || r < 0 ? Long.MIN_VALUE : r - m;
    }

    private static String signedMs(long nanos) {
        if (nanos == Long.MIN_VALUE) return "–";
        double ms = nanos / 1e6;
        return (ms > 0 ? "+" : "") + fmt(ms, Math.abs(ms) < 10 ? 2 : 1);
    }

    private static String relayP99(LevelRun run) {
        return run.relay() == null ? "–" : run.relay().describe(0.99);
    }

    /** " (A 120 + B 40)" for several instances; nothing for one. */
    private static String perInstance(LevelRun run) {
        double[] each = run.usage().instanceCpuSeconds();
        if (each == null || each.length < 2 || run.usage().deltas() == 0) return "";
        var parts = new ArrayList<String>();
        for (int i = 0; i < each.length; i++) {
            parts.add((char) ('A' + i) + " " + fmt(each[i] * 1e6 / run.usage().deltas(), 0));
        }
        return " (" + String.join(" + ", parts) + ")";
    }

    /**
     * "A 26 + B 26", then any other names; unnamed connections are ones still being set up
     * (Weft's client names a connection right after connecting).
     */
    private static String byName(Map<String, Integer> peakByName, List<String> instances) {
        if (peakByName.isEmpty()) return "–";
        var rest = new java.util.HashMap<>(peakByName);
        var parts = new ArrayList<String>();
        for (int i = 0; i < instances.size(); i++) {
            Integer n = instances.get(i) == null ? null : rest.remove(instances.get(i));
            if (n != null) parts.add((char) ('A' + i) + " " + n);
        }
        Integer unnamed = rest.remove("");
        rest.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(e -> parts.add(e.getKey() + " " + e.getValue()));
        if (unnamed != null) parts.add(unnamed + " not yet named");
        return String.join(" + ", parts);
    }

    private static String ratio(double value, double base) {
        if (Double.isNaN(value) || Double.isNaN(base) || base <= 0) return "–";
        return fmt(value / base, 2) + "×";
    }

    static final String METHOD = """
            - Redis (`--redis`): one Redis for the whole invocation: `REDIS_URL` if set, else a `redis-server` the \
            bench starts on a free loopback port with `--save "" --appendonly no` (no snapshot may fork in the middle \
            of a level) and shuts down at the end. Every level on Redis starts fresh Weft processes with `REDIS_URL` \
            and a `WEFT_REDIS_PREFIX` of its own (`weft-bench:<bench pid>:<level>:`), and the level's keys are removed \
            (SCAN + UNLINK) after it. The in-memory Weft of the same level runs just before, with `REDIS_URL` blank.
            - Instances (`--instances N`): N Weft processes on that Redis. Every run starts on the first, with \
            `"background":true` (its `202` carries the run's id); client i then reads the run with \
            `GET /v1/runs/{id}/events` from instance i mod N. Followers on the first instance are fed by its own \
            writer once Redis has stored a batch; followers elsewhere by their instance's one stream reader \
            (a blocking `XREAD` over every run its followers wait for). The in-memory comparison gets the same \
            background + follow traffic on one instance.
            - Redis's counters: the bench reads `INFO stats`, `INFO cpu` and `INFO commandstats` over a plain socket \
            of its own (not Weft's client) before and after each level, and over its open window, and takes out the \
            commands it sent itself. Commands / delta is `total_commands_processed` ÷ the deltas clients received; \
            the commands inside a Lua script (Weft ends a run with one) count there and in `INFO commandstats`, \
            besides the `EVAL` itself. Weft exposes no count of its pipelined batches, so round trips are Redis's \
            `total_reads_processed`: one read per request or pipelined batch up to 16 KiB. Redis CPU is the \
            redis-server's utime + stime from `/proc` over the window when the bench started it, else \
            `used_cpu_user + used_cpu_sys` from `INFO cpu`; it is taken out of "other processes" in the context table.
            - Log → client latency: each delta's `ts` (`System.currentTimeMillis()` when Weft appended it to its run's \
            log, on the instance that executes the run) against the client's wall clock when the read that brought \
            the delta returned (the stream's start on the wall clock, in µs, plus `System.nanoTime()` since). Both \
            are this machine's clock. `ts` is whole milliseconds, so a sample reads 0–1 ms high, alike in memory \
            and on Redis; the added latency is the difference of the two runs' quantiles. Deltas appended before \
            their stream's response headers arrived (a replay) are left out.
            - Lost and duplicated events: every event's `seq` must be the last one's + 1 from 1, with no gap and no \
            repeat, and every stream must end with `done`; a frame without a `seq` (an error about the stream \
            itself) is not numbered, and the stream then ends without done.
            """;
}
