package weft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Renders the results as Markdown: a section per mode (core, relay, research), each with its
 * summary table, context, errors and targets, then how it all is measured. The research
 * section is {@link ResearchReport}'s.
 */
final class Report {
    /**
     * One level of the core or relay mode: Weft's run and what it is compared with (null with
     * --no-baseline): the baseline server's run, or in the relay mode the core mode's Weft.
     */
    record Row(LevelRun weft, LevelRun baseline) {
        /** True when the comparison is the baseline server (and not, in the relay mode, the core mode's Weft). */
        boolean baselineServer() {
            return baseline != null && baseline.server().equals("baseline");
        }
    }

    /** One core level measured in memory and on Redis (one or more instances), in the same invocation. */
    record RedisRow(LevelRun memory, LevelRun redis) {}

    /**
     * Everything measured, per mode; a mode that did not run has no rows. {@code redisServer}
     * says which Redis the {@code redis} rows ran on (null without --redis).
     */
    record Results(List<Row> core, List<Row> relay, List<LevelRun> research, List<RedisRow> redis, String redisServer) {}

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
                .append(options.warmupStreams()).append(" warm-up streams on each fresh server first")
                .append(options.warmLevel() ? ", then the level's own traffic once, unmeasured (`--warm-level`)\n" : "\n");
        out.append("- modes: ").append(String.join(", ", options.modes().stream().map(m -> m.name().toLowerCase(Locale.ROOT)).toList()))
                .append('\n');
        if (options.redis()) {
            out.append("- stores: every core level in memory, then on Redis with ").append(options.instances())
                    .append(options.instances() == 1 ? " Weft instance (the POST streams its run)\n"
                            : " Weft instances (runs start in the background on the first; client i follows on instance i mod "
                            + options.instances() + "; the in-memory Weft gets the same background + follow traffic)\n");
        }
        boolean streams = options.modes().contains(BenchOptions.Mode.CORE) || options.modes().contains(BenchOptions.Mode.RELAY);
        if (streams) {
            out.append("- levels (core and relay): ");
            for (var l : options.levels()) {
                out.append(String.format(Locale.ROOT, "%,d streams × %s tokens/s, max_tokens %d, for %.0f s; ", l.streams(),
                        l.rate(), l.maxTokens(), l.duration().toMillis() / 1000.0));
            }
            out.setLength(out.length() - 2);
            out.append('\n');
        }
        if (options.modes().contains(BenchOptions.Mode.RESEARCH)) {
            out.append("- levels (research): ");
            for (var l : options.researchLevels()) {
                out.append(String.format(Locale.ROOT, "%,d concurrent runs × %s tokens/s per agent, max_tokens %d per agent, "
                        + "runs started for %.0f s; ", l.streams(), l.rate(), l.maxTokens(), l.duration().toMillis() / 1000.0));
            }
            out.setLength(out.length() - 2);
            out.append('\n');
        }
        return out.toString();
    }

    String render(Results results, double totalSeconds) {
        var out = new StringBuilder(preamble());
        out.append("- total time: ").append(fmt(totalSeconds, 0)).append(" s\n");
        if (!results.core().isEmpty()) {
            out.append("\n## Core: Weft with the demo model in process, against the baseline server\n\n");
            out.append("Latencies in ms; client side: p50 / p99 over all streams of the level. Relay: Weft's own histogram, "
                    + "bucket holding the quantile. CPU and RSS: the server process, while all streams were open. "
                    + "×base: Weft ÷ baseline (same client, same demo model, same run).\n");
            streams(out, results.core(), false);
        }
        if (!results.redis().isEmpty()) RedisReport.section(out, results.redis(), results.redisServer());
        if (!results.relay().isEmpty()) {
            out.append("\n## Relay: the demo model behind an OpenAI-compatible upstream\n\n");
            out.append("Weft runs with `WEFT_PROVIDER=openai` against `weft.bench.OpenAiUpstream` on loopback, so every "
                    + "token takes the provider path (HTTP client, SSE parser, JSON chunk) before Weft's log and relay. "
                    + "Same client, levels, rates and columns as the core mode. ×base: Weft relaying ÷ ")
                    .append(results.relay().stream().allMatch(Row::baselineServer) ? "the baseline server (same run)"
                            : "the core mode's Weft at the same level (same run): what the provider path adds")
                    .append(". Relay (server) is still Weft's own hop, log → client; upstream → client is the whole path, "
                            + "upstream write → client read, per delta. Upstream CPU: the mock upstream's process, same window.\n");
            for (int i = 0; i < results.relay().size() && i < options.levels().size(); i++) {
                int asked = options.levels().get(i).streams(), held = results.relay().get(i).weft().clients();
                if (asked != held) {
                    out.append(String.format(Locale.ROOT, "\n**The %,d-stream level ran with %,d streams:** relayed, each stream "
                            + "holds two sockets in Weft (client and upstream), and the servers' open-file limit here is %,d "
                            + "(hard limit; raising it needs privileges). Its ×base figures compare with %,d streams.\n",
                            asked, held, ChildServer.openFileLimitForChildren(), asked));
                }
            }
            streams(out, results.relay(), true);
        }
        if (!results.research().isEmpty()) {
            out.append('\n').append(ResearchReport.section(results.research(), results.core()));
        }
        out.append("\n## How it is measured\n\n").append(METHOD);
        if (!results.redis().isEmpty()) out.append(RedisReport.METHOD);
        if (!results.relay().isEmpty()) out.append(RELAY_METHOD);
        if (!results.research().isEmpty()) out.append(ResearchReport.METHOD);
        return out.toString();
    }

    /** A core or relay section: results, baseline server, context, first-delta split, histogram, errors, targets. */
    private static void streams(StringBuilder out, List<Row> rows, boolean relayed) {
        out.append("\n| streams | tokens/s per stream | max_tokens | errors | stalls | TTFB p50 / p99 | first delta p50 / p99 "
                + "| gap p50 / p99 | relay p50 / p99 (server) | ")
                .append(relayed ? "upstream → client p50 / p99 | " : "")
                .append("server CPU, % of a core | CPU µs / delta | RSS / stream | ")
                .append(relayed ? "upstream CPU, % of a core | " : "")
                .append("×base first delta p50 / p99 | ×base gap p50 / p99 | ×base CPU / delta | ×base RSS / stream |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
                .append(relayed ? "---:|---:|\n" : "\n");
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
                    .append(" | ").append(w.relay() == null ? "–" : w.relay().describe(0.5) + " / " + w.relay().describe(0.99));
            if (relayed) out.append(" | ").append(w.endToEnd() == null ? "–" : pair(w.endToEnd().latency()));
            out.append(" | ").append(fmt(w.cpuPercent(), 1)).append(" %")
                    .append(" | ").append(fmt(w.cpuMicrosPerDelta(), 1))
                    .append(" | ").append(kib(w.rssKibPerStream()));
            if (relayed) out.append(" | ").append(fmt(w.upstreamCpuPercent(), 1)).append(" %");
            out.append(" | ").append(ratio(w, b, r -> r.firstDelta().at(0.5))).append(" / ").append(ratio(w, b, r -> r.firstDelta().at(0.99)))
                    .append(" | ").append(ratio(w, b, r -> r.gaps().at(0.5))).append(" / ").append(ratio(w, b, r -> r.gaps().at(0.99)))
                    .append(" | ").append(ratio(w, b, LevelRun::cpuMicrosPerDelta))
                    .append(" | ").append(ratio(w, b, LevelRun::rssKibPerStream))
                    .append(" |\n");
        }

        if (relayed) {
            out.append("\n### Relay: the whole path and the upstream\n\n");
            out.append("Upstream → client: `System.nanoTime()` in the upstream just before it writes a content chunk, and in "
                    + "the client when the read that brings the delta returns (one machine, one CLOCK_MONOTONIC). Matched "
                    + "chunk k ↔ delta k per stream, by the stream's tag; only streams with as many deltas as chunks count "
                    + "(see how it is measured). The upstream also notes when each request reaches its handler, which "
                    + "cuts the time to first delta on the same clock: connect → upstream has the request (Weft accepts, "
                    + "starts the run, connects and sends upstream), → first chunk written (the model's ttft), → client "
                    + "reads it.\n\n");
            out.append("| streams | upstream → client p50 / p90 / p99 / max ms | deltas timed | streams matched / completed "
                    + "| connect → upstream has the request p50 / p99 | request → first chunk written p50 / p99 (ttft %d) "
                    .formatted(rows.getFirst().weft().level().ttft().toMillis())
                    + "| upstream CPU, % of a core | upstream CPU µs / delta | Weft + upstream CPU µs / delta |\n");
            out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (var row : rows) {
                LevelRun w = row.weft();
                var e = w.endToEnd();
                out.append("| ").append(String.format(Locale.ROOT, "%,d", w.clients()))
                        .append(" | ").append(e == null ? "–" : ms(e.latency().at(0.5)) + " / " + ms(e.latency().at(0.9)) + " / "
                                + ms(e.latency().at(0.99)) + " / " + ms(e.latency().max()))
                        .append(" | ").append(e == null ? "–" : String.format(Locale.ROOT, "%,d", e.latency().count()))
                        .append(" | ").append(e == null ? "–" : String.format(Locale.ROOT, "%,d / %,d", e.matchedStreams(), e.taggedStreams()))
                        .append(" | ").append(e == null ? "–" : pair(e.toUpstream()))
                        .append(" | ").append(e == null ? "–" : pair(e.upstreamFirst()))
                        .append(" | ").append(fmt(w.upstreamCpuPercent(), 1)).append(" %")
                        .append(" | ").append(fmt(w.upstreamCpuMicrosPerDelta(), 1))
                        .append(" | ").append(fmt(w.cpuMicrosPerDelta() + w.upstreamCpuMicrosPerDelta(), 1))
                        .append(" |\n");
            }
        }

        if (rows.stream().anyMatch(Row::baselineServer)) {
            out.append("\n### Baseline (minimal SSE server, same JDK HttpServer + virtual threads)\n\n");
            out.append("| streams | tokens/s per stream | errors | stalls | TTFB p50 / p99 | first delta p50 / p99 | gap p50 / p99 "
                    + "| server CPU, % of a core | CPU µs / delta | RSS / stream |\n");
            out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (var row : rows) {
                if (!row.baselineServer()) continue;
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

        List<LevelRun> measured = measuredHere(rows);
        context(out, measured);

        out.append("\n### Weft: where the time to first delta goes (ms, by the server's event timestamps)\n\n");
        out.append("Each event's `ts` is the epoch millisecond at which it entered the run's log; the client compares it with "
                + "the same machine clock (1 ms resolution). p50 / p99 over the level's streams.")
                .append(relayed ? " Relayed, run_started → first delta includes Weft's request to the upstream and the "
                        + "upstream's ttft." : "").append("\n\n");
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
        for (var row : rows) histogramLine(out, row.weft());

        problems(out, measured);
        out.append("\n### Targets\n\n");
        out.append(targets(rows));
    }

    /** Per run: the window, the deltas, every process's CPU, memory, the open-file limit. */
    static void context(StringBuilder out, List<LevelRun> measured) {
        out.append("\n### Context\n\n");
        out.append("| server | concurrent streams | streams read | deltas per stream | window s | open at start | deltas in window "
                + "| deltas/s | server CPU s | idle RSS MiB | peak RSS MiB | client (bench) CPU, % of a core "
                + "| other processes' CPU, % of a core | gap p50 / p99 in window ms | max gap ms | open-file limit | level wall s |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
        for (LevelRun r : measured) {
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

    /** The runs a section measured itself: Weft's, and the baseline server's (not the core mode's Weft again). */
    static List<LevelRun> measuredHere(List<Row> rows) {
        var runs = new ArrayList<LevelRun>();
        for (var row : rows) {
            runs.add(row.weft());
            if (row.baselineServer()) runs.add(row.baseline());
        }
        return runs;
    }

    static void histogramLine(StringBuilder out, LevelRun run) {
        var relay = run.relay();
        if (relay == null) {
            out.append(String.format(Locale.ROOT, "- %,d streams: no histogram (an instance did not survive the level)%n", run.clients()));
            return;
        }
        out.append(String.format(Locale.ROOT, "- %,d %s (%,d deltas): ", run.clients(),
                        run.server().contains("research") ? "runs" : "streams", relay.count()))
                .append(String.join(", ", relay.describeBuckets())).append('\n');
    }

    /** The errors of every run, then each level's first trouble. */
    static void problems(StringBuilder out, List<LevelRun> runs) {
        boolean anyErrors = false;
        for (LevelRun r : runs) {
            if (r.errorCount() == 0) continue;
            if (!anyErrors) out.append("\n### Errors\n\n");
            anyErrors = true;
            r.errors().forEach((outcome, n) -> out.append(String.format(Locale.ROOT, "- %s, %,d concurrent: %d of %,d streams %s, e.g. %s%n",
                    r.server(), r.clients(), n, r.streams(), outcome.meaning, r.firstErrorDetail().get(outcome))));
        }
        boolean anyTrouble = false;
        for (LevelRun r : runs) {
            if (r.firstTrouble() == null) continue;
            if (!anyTrouble) out.append("\n### First trouble per level (thread dump taken then, in the output directory)\n\n");
            anyTrouble = true;
            out.append(String.format(Locale.ROOT, "- %s, %,d concurrent: %s → %s-threads-at-first-trouble.txt%n",
                    r.server(), r.clients(), r.firstTrouble(), r.files()));
        }
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
            if (r.weft().relay() == null) return "not measured (no histogram)";
            double p99 = r.weft().relay().quantileBound(0.99);
            return (p99 <= 0.0003 ? "**met**" : "**not met**") + " (p99 " + r.weft().relay().describe(0.99) + ")";
        }).orElse("not measured (no level of 1 stream)")).append('\n');
        var thousand = rows.stream().filter(r -> r.weft().clients() == 1000).findFirst();
        out.append("- 1,000 streams, server-added latency p50 < 1 ms and p99 < 10 ms (relay histogram): ").append(thousand.map(r -> {
            var relay = r.weft().relay();
            if (relay == null) return "not measured (no histogram)";
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

    private static final String RELAY_METHOD = """
            - Relay mode: each level starts a fresh `weft.bench.OpenAiUpstream` (the demo model at the level's ttft \
            and rate behind `POST /v1/chat/completions`, on the JDK HttpServer with virtual threads and TCP_NODELAY), \
            then a fresh Weft with `WEFT_PROVIDER=openai`, `OPENAI_BASE_URL=http://127.0.0.1:<port>/v1`, \
            `OPENAI_MODEL=weft-demo-1` and no key. The upstream writes each token as an OpenAI `chat.completion.chunk` \
            event, flushed on its own, then the finish-reason chunk, the usage chunk with empty `choices`, and \
            `data: [DONE]`. The demo seeds its answer from the prompt, so every stream gets the core mode's answer.
            - Upstream → client: Weft does not pass a chunk's `id` (or anything but its text) on to the client, so \
            a chunk cannot carry its write time through. Each stream instead names a model of its own \
            (`weft-demo-1/<n>`; Weft hands it to the upstream unchanged, and it does not change the answer); the \
            upstream keeps, per model, `System.nanoTime()` just before writing each content chunk, the client the \
            arrival of each delta, and after the level chunk k is matched with delta k. Both clocks are the \
            machine's CLOCK_MONOTONIC. The match holds only while Weft makes one delta of each chunk, which it does \
            for this answer (no citation markers, no split characters); a stream whose counts differ is left out, \
            and the table says how many were matched. The figure includes the upstream's own write and flush, \
            loopback, Weft's HTTP client, parsing, log and relay, loopback again and the client's read.
            - Relay (server), relayed: the histogram's clock starts when a delta enters the run's log, which now \
            happens inside the OpenAI provider's read loop, as each chunk is parsed; it still ends at the flush \
            to the client. CPU µs / delta is Weft's alone; the relay table adds the upstream's.
            - Upstream CPU: utime + stime of the upstream process over the same window; it is taken out of \
            "other processes" in the context table.
            """;

    static String pair(Percentiles p) {
        return ms(p.at(0.5)) + " / " + ms(p.at(0.99));
    }

    static String ms(long nanos) {
        if (nanos < 0) return "–";
        double ms = nanos / 1e6;
        return fmt(ms, ms < 1 ? 3 : ms < 10 ? 2 : ms < 100 ? 1 : 0);
    }

    static String kib(double kib) {
        if (Double.isNaN(kib)) return "–";
        return fmt(kib, Math.abs(kib) < 10 ? 1 : 0) + " KiB";
    }

    static String ratio(LevelRun weft, LevelRun baseline, ToDoubleFunction<LevelRun> value) {
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
