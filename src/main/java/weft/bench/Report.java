package weft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/** Renders the results as Markdown: the summary table, the baseline's own figures, context, targets, method. */
final class Report {
    /** One level: Weft's run and the baseline's (null with --no-baseline). */
    record Row(LevelRun weft, LevelRun baseline) {}

    private final BenchOptions options;

    Report(BenchOptions options) {
        this.options = options;
    }

    String preamble() {
        var out = new StringBuilder();
        out.append("# Weft benchmark\n\n");
        out.append("- date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        out.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (nproc), ")
                .append(cpuModel()).append(", ").append(memTotal()).append(" RAM, ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version")).append('\n');
        out.append("- java: ").append(System.getProperty("java.vm.vendor")).append(' ')
                .append(System.getProperty("java.runtime.version")).append('\n');
        out.append("- servers (child processes): `java ").append(String.join(" ", ChildServer.JVM_FLAGS)).append("`\n");
        out.append("- client: this process, one virtual thread and one plain socket per stream; ")
                .append(fmt(options.rampPerSecond(), 0)).append(" new connections/s while a level starts; ")
                .append(options.warmupStreams()).append(" warm-up streams on each fresh server first\n");
        out.append("- levels: ");
        for (var l : options.levels()) {
            out.append(String.format(Locale.ROOT, "%,d streams × %s tokens/s, max_tokens %d, for %.0f s; ", l.streams(),
                    l.rate(), l.maxTokens(), l.duration().toMillis() / 1000.0));
        }
        out.setLength(out.length() - 2);
        out.append('\n');
        return out.toString();
    }

    String render(List<Row> rows, double totalSeconds) {
        var out = new StringBuilder(preamble());
        out.append("- total time: ").append(fmt(totalSeconds, 0)).append(" s\n\n");

        out.append("## Results\n\n");
        out.append("Latencies in ms; client side: p50 / p99 over all streams of the level. Relay: Weft's own histogram, "
                + "bucket holding the quantile. CPU and RSS: the server process, while all streams were open. "
                + "×base: Weft ÷ baseline (same client, same demo model, same run).\n\n");
        out.append("| streams | tokens/s per stream | max_tokens | errors | stalls | TTFB p50 / p99 | first delta p50 / p99 "
                + "| gap p50 / p99 | relay p50 / p99 (server) | server CPU, % of a core | CPU µs / delta | RSS / stream "
                + "| ×base first delta p50 / p99 | ×base gap p50 / p99 | ×base CPU / delta | ×base RSS / stream |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (var row : rows) {
            LevelRun w = row.weft();
            LevelRun b = row.baseline();
            out.append("| ").append(String.format(Locale.ROOT, "%,d", w.clients()))
                    .append(" | ").append(w.level().rate())
                    .append(" | ").append(w.level().maxTokens())
                    .append(" | ").append(w.errorCount())
                    .append(" | ").append(w.stalls())
                    .append(" | ").append(pair(w.ttfb()))
                    .append(" | ").append(pair(w.firstDelta()))
                    .append(" | ").append(pair(w.gaps()))
                    .append(" | ").append(w.relay() == null ? "–" : w.relay().describe(0.5) + " / " + w.relay().describe(0.99))
                    .append(" | ").append(fmt(w.cpuPercent(), 1)).append(" %")
                    .append(" | ").append(fmt(w.cpuMicrosPerDelta(), 1))
                    .append(" | ").append(kib(w.rssKibPerStream()))
                    .append(" | ").append(ratio(w, b, r -> r.firstDelta().at(0.5))).append(" / ").append(ratio(w, b, r -> r.firstDelta().at(0.99)))
                    .append(" | ").append(ratio(w, b, r -> r.gaps().at(0.5))).append(" / ").append(ratio(w, b, r -> r.gaps().at(0.99)))
                    .append(" | ").append(ratio(w, b, LevelRun::cpuMicrosPerDelta))
                    .append(" | ").append(ratio(w, b, LevelRun::rssKibPerStream))
                    .append(" |\n");
        }

        if (options.baseline()) {
            out.append("\n### Baseline (minimal SSE server, same JDK HttpServer + virtual threads)\n\n");
            out.append("| streams | tokens/s per stream | errors | stalls | TTFB p50 / p99 | first delta p50 / p99 | gap p50 / p99 "
                    + "| server CPU, % of a core | CPU µs / delta | RSS / stream |\n");
            out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (var row : rows) {
                LevelRun b = row.baseline();
                out.append("| ").append(String.format(Locale.ROOT, "%,d", b.clients()))
                        .append(" | ").append(b.level().rate())
                        .append(" | ").append(b.errorCount())
                        .append(" | ").append(b.stalls())
                        .append(" | ").append(pair(b.ttfb()))
                        .append(" | ").append(pair(b.firstDelta()))
                        .append(" | ").append(pair(b.gaps()))
                        .append(" | ").append(fmt(b.cpuPercent(), 1)).append(" %")
                        .append(" | ").append(fmt(b.cpuMicrosPerDelta(), 1))
                        .append(" | ").append(kib(b.rssKibPerStream()))
                        .append(" |\n");
            }
        }

        out.append("\n### Context\n\n");
        out.append("| server | concurrent streams | streams read | deltas per stream | window s | open at start | deltas in window "
                + "| deltas/s | server CPU s | idle RSS MiB | peak RSS MiB | client (bench) CPU, % of a core "
                + "| other processes' CPU, % of a core | gap p50 / p99 in window ms | max gap ms | open-file limit | level wall s |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
        for (var row : rows) {
            for (LevelRun r : row.baseline() == null ? List.of(row.weft()) : List.of(row.weft(), row.baseline())) {
                var u = r.usage();
                out.append("| ").append(r.server())
                        .append(" | ").append(String.format(Locale.ROOT, "%,d", r.clients()))
                        .append(" | ").append(String.format(Locale.ROOT, "%,d", r.streams()))
                        .append(" | ").append(fmt(r.deltas() / (double) r.streams(), 0))
                        .append(" | ").append(fmt(u.windowSeconds(), 1))
                        .append(" | ").append(u.openStreams())
                        .append(" | ").append(u.deltas())
                        .append(" | ").append(u.valid() ? fmt(u.deltas() / u.windowSeconds(), 0) : "–")
                        .append(" | ").append(fmt(u.cpuSeconds(), 2))
                        .append(" | ").append(fmt(r.idleRssKib() / 1024.0, 0))
                        .append(" | ").append(fmt(u.peakRssKib() / 1024.0, 0))
                        .append(" | ").append(fmt(r.clientCpuPercent(), 1)).append(" %")
                        .append(" | ").append(u.valid() ? fmt(100 * u.otherCpuSeconds() / u.windowSeconds(), 1) + " %" : "–")
                        .append(" | ").append(pair(r.windowGaps()))
                        .append(" | ").append(ms(r.gaps().max()))
                        .append(" | ").append(r.openFileLimit())
                        .append(" | ").append(fmt(r.seconds(), 0))
                        .append(" |\n");
            }
        }

        out.append("\n### Weft: where the time to first delta goes (ms, by the server's event timestamps)\n\n");
        out.append("Each event's `ts` is the epoch millisecond at which it entered the run's log; the client compares it with "
                + "the same machine clock (1 ms resolution). p50 / p99 over the level's streams.\n\n");
        out.append("| streams | connect → run_started appended | run_started → first delta appended (model ttft: %d ms) "
                .formatted(rows.isEmpty() ? 0 : rows.getFirst().weft().level().ttft().toMillis())
                + "| first delta appended → read by client |\n");
        out.append("|---:|---:|---:|---:|\n");
        for (var row : rows) {
            var split = row.weft().split();
            out.append("| ").append(String.format(Locale.ROOT, "%,d", row.weft().clients()));
            for (var p : split) out.append(" | ").append(p.count() == 0 ? "–" : p.at(0.5) + " / " + p.at(0.99));
            out.append(" |\n");
        }

        out.append("\n### Weft relay histogram per level (observations per bucket)\n\n");
        for (var row : rows) {
            var relay = row.weft().relay();
            out.append(String.format(Locale.ROOT, "- %,d streams (%,d deltas): ", row.weft().clients(), relay.count()))
                    .append(String.join(", ", relay.describeBuckets())).append('\n');
        }

        boolean anyErrors = false;
        for (var row : rows) {
            for (LevelRun r : row.baseline() == null ? List.of(row.weft()) : List.of(row.weft(), row.baseline())) {
                if (r.errorCount() == 0) continue;
                if (!anyErrors) out.append("\n### Errors\n\n");
                anyErrors = true;
                r.errors().forEach((outcome, n) -> out.append(String.format(Locale.ROOT, "- %s, %,d concurrent: %d of %,d streams %s, e.g. %s%n",
                        r.server(), r.clients(), n, r.streams(), outcome.meaning, r.firstErrorDetail().get(outcome))));
            }
        }
        boolean anyTrouble = false;
        for (var row : rows) {
            for (LevelRun r : row.baseline() == null ? List.of(row.weft()) : List.of(row.weft(), row.baseline())) {
                if (r.firstTrouble() == null) continue;
                if (!anyTrouble) out.append("\n### First trouble per level (thread dump taken then, in the output directory)\n\n");
                anyTrouble = true;
                out.append(String.format(Locale.ROOT, "- %s, %,d concurrent: %s → %d-%s-threads-at-first-trouble.txt%n",
                        r.server(), r.clients(), r.firstTrouble(), r.clients(), r.server()));
            }
        }

        out.append("\n## Targets\n\n");
        out.append(targets(rows));
        out.append("\n## How it is measured\n\n").append(METHOD);
        return out.toString();
    }

    private static String targets(List<Row> rows) {
        var out = new StringBuilder();
        var ten = rows.stream().filter(r -> r.weft().clients() >= 10_000).findFirst();
        out.append("- 10,000 concurrent streams held without error or stall: ").append(ten.map(r -> {
            var w = r.weft();
            boolean ok = w.errorCount() == 0 && w.stalls() == 0;
            return (ok ? "**met**" : "**not met**") + String.format(Locale.ROOT, " (%,d streams: %d errors, %d stalls)",
                    w.clients(), w.errorCount(), w.stalls());
        }).orElse("not measured (no level of 10,000 streams)")).append('\n');
        var one = rows.stream().filter(r -> r.weft().clients() == 1).findFirst();
        out.append("- 1 stream, server-added latency p99 < 0.3 ms (relay histogram): ").append(one.map(r -> {
            double p99 = r.weft().relay().quantileBound(0.99);
            return (p99 <= 0.0003 ? "**met**" : "**not met**") + " (p99 " + r.weft().relay().describe(0.99) + ")";
        }).orElse("not measured (no level of 1 stream)")).append('\n');
        var thousand = rows.stream().filter(r -> r.weft().clients() == 1000).findFirst();
        out.append("- 1,000 streams, server-added latency p50 < 1 ms and p99 < 10 ms (relay histogram): ").append(thousand.map(r -> {
            var relay = r.weft().relay();
            boolean ok = relay.quantileBound(0.5) <= 0.001 && relay.quantileBound(0.99) <= 0.010;
            return (ok ? "**met**" : "**not met**") + " (p50 " + relay.describe(0.5) + ", p99 " + relay.describe(0.99) + ")";
        }).orElse("not measured (no level of 1,000 streams)")).append('\n');
        return out.toString();
    }

    private static final String METHOD = """
            - Servers: each level starts a fresh server as a child process (Weft: `weft.Main` with \
            WEFT_DEMO_TTFT, WEFT_DEMO_TOKENS_PER_SECOND, WEFT_MAX_ACTIVE_RUNS=100000, WEFT_RUN_RETENTION=5s; \
            baseline: `weft.bench.BaselineServer`), from a private copy of `target/classes` taken when the \
            benchmark starts, so that a concurrent build cannot change or delete classes under it. The benchmark \
            waits for `/healthz`, runs the warm-up streams, waits 1 s, reads the idle RSS, holds the level's \
            streams for the level's duration, then stops the server.
            - Streams: every stream asks the same question, so the demo model gives every stream the same \
            answer. At 60 tokens/s that answer is over in a few seconds, and the client then opens another \
            stream at once, so the level keeps its number of concurrent streams throughout.
            - Ramp: connections are opened at the ramp rate, not all at once. The JDK server accepts on one \
            thread with a backlog of 4096, and starting a stream costs the server about 1 ms of CPU, so a faster \
            ramp (2,000/s was tried) saturates two shared cores and the level then measures that overload. \
            The ramp is not the measurement: every stream's times start at its own connect, and CPU and memory \
            are taken only over the window in which all streams are open (from the last client's first \
            response headers to the first client's end). Client latencies cover the whole level, ramp \
            included; the context table also gives the gaps within the window.
            - Client end: `System.nanoTime()` when a socket read returns, before parsing. TTFB is connect to \
            the first response byte. First delta is connect to the first `delta` event; it includes the \
            model's ttft of 300 ms. A gap is the time between two consecutive deltas of a stream; it includes \
            the model's token interval. Errors: a non-200 answer, a stream that ended without `done`, or a \
            `done` whose status is not `completed`. A stall is a gap longer than 5 × the token interval + 1 s, \
            or a first delta that much later than the ttft.
            - Server end: Weft's `weft_event_relay_seconds` histogram, scraped from `/metrics` before and after \
            the level (the difference is the level's deltas). It runs from a delta entering its run's log, \
            synchronously inside the demo model's emit call, to its frame being flushed to the client's socket. \
            Weft leaves out each stream's first batch of events (it counts them as a replay), so a first delta \
            that was already in the log when its handler first looked is not in the histogram. Both ends are \
            measured on the same streams in the same run, and the first-delta table joins them through the \
            events' own `ts`.
            - Server CPU: utime + stime of the server process from `/proc/<pid>/stat` over the window. % of one \
            core = CPU seconds ÷ window seconds; µs per delta = CPU ÷ deltas the clients received in the \
            window; both include the JVM's JIT and GC threads. RSS per stream = (peak VmRSS in the window, \
            sampled every 100 ms − idle VmRSS) ÷ streams. It includes heap the JVM chose to grow into (ZGC, \
            -Xmx4g), so it is an upper bound on what a stream needs. With one stream it is mostly JVM noise.
            - Shared machine: client and servers share the machine's cores, with each other and with any other \
            process. The client's CPU and everyone else's (machine busy time from `/proc/stat` minus server \
            and client) over the same window are in the context table. Tail latencies of a level with busy \
            neighbours are not comparable with those of a quiet one.
            - Baseline: a minimal SSE server on the same JDK HttpServer + virtual threads. It calls the same demo \
            model on the handler's thread and writes precomputed frames of the same shape: no JSON, no event \
            log, no runs. Its figures show what the JDK stack costs by itself; ×base shows what Weft adds.
            """;


    private static String pair(Percentiles p) {
        return ms(p.at(0.5)) + " / " + ms(p.at(0.99));
    }

    private static String ms(long nanos) {
        if (nanos < 0) return "–";
        double ms = nanos / 1e6;
        return fmt(ms, ms < 1 ? 3 : ms < 10 ? 2 : ms < 100 ? 1 : 0);
    }

    private static String kib(double kib) {
        if (Double.isNaN(kib)) return "–";
        return fmt(kib, Math.abs(kib) < 10 ? 1 : 0) + " KiB";
    }

    private static String ratio(LevelRun weft, LevelRun baseline, ToDoubleFunction<LevelRun> value) {
        if (baseline == null) return "–";
        double w = value.applyAsDouble(weft);
        double b = value.applyAsDouble(baseline);
        if (Double.isNaN(w) || Double.isNaN(b) || b <= 0 || w < 0) return "–";
        return fmt(w / b, w / b < 10 ? 2 : 1) + "×";
    }

    static String fmt(double value, int decimals) {
        if (Double.isNaN(value)) return "–";
        return String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }

    private static String cpuModel() {
        return procLine(Path.of("/proc/cpuinfo"), "model name", l -> l.substring(l.indexOf(':') + 1).strip());
    }

    private static String memTotal() {
        return procLine(Path.of("/proc/meminfo"), "MemTotal", l -> fmt(Long.parseLong(l.replaceAll("[^0-9]", "")) / 1048576.0, 0) + " GiB");
    }

    private static String procLine(Path file, String prefix, Function<String, String> value) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(prefix)).findFirst().map(value).orElse("?");
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
