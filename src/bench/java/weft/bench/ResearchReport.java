package weft.bench;

import java.util.List;
import java.util.Locale;

import static weft.bench.Report.fmt;
import static weft.bench.Report.kib;
import static weft.bench.Report.pair;

/**
 * The research mode's section of the report. A "stream" here is a whole workflow run: planner,
 * then two to five researchers at once, then the synthesizer, all on one SSE stream.
 */
final class ResearchReport {
    private ResearchReport() {}

    static String section(List<LevelRun> levels, List<Report.Row> core) {
        var out = new StringBuilder();
        out.append("## Research: concurrent runs of the research workflow on the demo model\n\n");
        out.append("Each client runs `{\"workflow\":\"research\",\"input\":…,\"max_tokens\":M}` with the inputs taken in turn, "
                + "one run after another on a fresh connection. Times in ms from connect (the request follows at once), p50 / p99 "
                + "over every completed run; rates, CPU and RSS over the window in which all runs were open. Events: every SSE "
                + "event of every type. No baseline exists for this mode (the baseline server has no workflows); the last "
                + "CPU column is the core mode's Weft at the same number of concurrent streams, when this run measured it, for "
                + "scale: a chat stream is one agent, a research run several.\n\n");
        out.append("| concurrent runs | tokens/s per agent | max_tokens per agent | runs read | completed | errors | stalls "
                + "| events/s | deltas/s | first delta p50 / p99 | done p50 / p99 | relay p50 / p99 (server) "
                + "| server CPU, % of a core | CPU µs / delta | core mode CPU µs / delta | RSS / run |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (LevelRun r : levels) {
            out.append("| ").append(String.format(Locale.ROOT, "%,d", r.clients()))
                    .append(" | ").append(r.level().rate())
                    .append(" | ").append(r.level().maxTokens())
                    .append(" | ").append(String.format(Locale.ROOT, "%,d", r.streams()))
                    .append(" | ").append(String.format(Locale.ROOT, "%,d", r.completed()))
                    .append(" | ").append(r.errorCount())
                    .append(" | ").append(r.stalls())
                    .append(" | ").append(fmt(r.eventsPerSecond(), 0))
                    .append(" | ").append(fmt(r.deltasPerSecond(), 0))
                    .append(" | ").append(pair(r.firstDelta()))
                    .append(" | ").append(pair(r.done()))
                    .append(" | ").append(r.relay() == null ? "–" : r.relay().describe(0.5) + " / " + r.relay().describe(0.99))
                    .append(" | ").append(fmt(r.cpuPercent(), 1)).append(" %")
                    .append(" | ").append(fmt(r.cpuMicrosPerDelta(), 1))
                    .append(" | ").append(coreCpuPerDelta(core, r.clients()))
                    .append(" | ").append(kib(r.rssKibPerStream()))
                    .append(" |\n");
        }

        out.append("\n### Research: context\n\n");
        out.append("| concurrent runs | window s | events in window | deltas in window | events per run | deltas per run "
                + "| server CPU s | CPU µs / event | idle RSS MiB | peak RSS MiB | client (bench) CPU, % of a core "
                + "| other processes' CPU, % of a core | open-file limit | level wall s |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
        for (LevelRun r : levels) {
            var u = r.usage();
            out.append("| ").append(String.format(Locale.ROOT, "%,d", r.clients()))
                    .append(" | ").append(fmt(u.windowSeconds(), 1))
                    .append(" | ").append(u.events())
                    .append(" | ").append(u.deltas())
                    .append(" | ").append(fmt(r.events() / (double) r.streams(), 0))
                    .append(" | ").append(fmt(r.deltas() / (double) r.streams(), 0))
                    .append(" | ").append(fmt(u.cpuSeconds(), 2))
                    .append(" | ").append(u.valid() && u.events() > 0 ? fmt(u.cpuSeconds() * 1e6 / u.events(), 1) : "–")
                    .append(" | ").append(fmt(r.idleRssKib() / 1024.0, 0))
                    .append(" | ").append(fmt(u.peakRssKib() / 1024.0, 0))
                    .append(" | ").append(fmt(r.clientCpuPercent(), 1)).append(" %")
                    .append(" | ").append(u.valid() ? fmt(100 * u.otherCpuSeconds() / u.windowSeconds(), 1) + " %" : "–")
                    .append(" | ").append(r.openFileLimit())
                    .append(" | ").append(fmt(r.seconds(), 0))
                    .append(" |\n");
        }

        out.append("\n### Research: Weft relay histogram per level (observations per bucket)\n\n");
        for (LevelRun r : levels) Report.histogramLine(out, r);
        Report.problems(out, levels);
        return out.toString();
    }

    /** The core mode's Weft CPU per delta at {@code streams} concurrent streams, if this run measured it. */
    private static String coreCpuPerDelta(List<Report.Row> core, int streams) {
        return core.stream().filter(row -> row.weft().clients() == streams).findFirst()
                .map(row -> fmt(row.weft().cpuMicrosPerDelta(), 1) + " (" + row.weft().level().rate() + " tokens/s × "
                        + String.format(Locale.ROOT, "%,d", streams) + " streams)")
                .orElse("–");
    }

    static final String METHOD = """
            - Research mode: each level starts a fresh Weft with the demo model at the level's rate (per agent: \
            every agent of a run streams at that rate) and warms it up with short chat streams as in the core \
            mode (a research run at 2 tokens/s lasts about a minute; the workflow code warms up in the level's \
            first seconds). \
            Clients start at the ramp rate; each runs research workflows one after another while the next is \
            expected to end within the level's duration, and always at least one, so a level holds its number \
            of concurrent runs. `max_tokens` is every agent's limit, the planner's too: the demo's plans for \
            these inputs are 18–39 tokens, so the default of 48 never cuts a plan, and researchers and \
            synthesizer stop at 48. A run is completed when its `done` says `completed`. A stall is a gap \
            between two deltas of a run (of any agents) longer than 5 × the token interval + 1 s. The relay \
            histogram counts every delta of every agent.
            """;
}
