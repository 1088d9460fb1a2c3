package weft.bench;

import weft.bench.StreamResult.Outcome;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One server at one level, summed up ({@code clients} concurrent streams; {@code streams} read
 * in all, more than {@code clients} when streams ended before the level's duration): the clients' view (errors, stalls, latency percentiles
 * over every stream), the server's resource use over the open window, and, for Weft, its own
 * relay histogram over the same level, and where its first deltas' time went by its own timestamps
 * ({@code split}: connect → run_started, run_started → first delta, first delta → client; in ms).
 */
record LevelRun(String server, BenchOptions.Level level, int clients, int streams, Map<Outcome, Integer> errors,
                Map<Outcome, String> firstErrorDetail, int stalls, long deltas,
                Percentiles ttfb, Percentiles firstDelta, Percentiles gaps, Percentiles windowGaps,
                ServerMeter.Usage usage, long idleRssKib, RelayHistogram relay, String openFileLimit,
                String firstTrouble, double seconds, Percentiles[] split) {

    static LevelRun of(String server, BenchOptions.Level level, List<StreamResult> results, ServerMeter.Usage usage,
                       long idleRssKib, RelayHistogram relay, String openFileLimit, String firstTrouble, double seconds) {
        var errors = new EnumMap<Outcome, Integer>(Outcome.class);
        var details = new LinkedHashMap<Outcome, String>();
        int stalls = 0;
        long deltas = 0;
        long[] ttfb = new long[results.size()];
        long[] firstDelta = new long[results.size()];
        int ttfbCount = 0, firstCount = 0, gapCount = 0;
        int windowGapCount = 0;
        for (var r : results) {
            gapCount += r.gapCount();
            windowGapCount += r.windowGapCount();
        }
        long[] gaps = new long[gapCount];
        long[] windowGaps = new long[windowGapCount];
        gapCount = 0;
        windowGapCount = 0;
        long[][] split = new long[3][results.size()];
        int splitCount = 0;
        for (var r : results) {
            if (r.failed()) {
                errors.merge(r.outcome(), 1, Integer::sum);
                details.putIfAbsent(r.outcome(), r.detail());
            }
            stalls += r.stalls();
            deltas += r.deltas();
            if (r.ttfbNanos() >= 0) ttfb[ttfbCount++] = r.ttfbNanos();
            if (r.firstDeltaNanos() >= 0) firstDelta[firstCount++] = r.firstDeltaNanos();
            if (r.split() != null) {
                split[0][splitCount] = r.split().toRunStartedMillis();
                split[1][splitCount] = r.split().toFirstDeltaMillis();
                split[2][splitCount++] = r.split().deliveryMillis();
            }
            System.arraycopy(r.gaps(), 0, gaps, gapCount, r.gapCount());
            gapCount += r.gapCount();
            System.arraycopy(r.windowGaps(), 0, windowGaps, windowGapCount, r.windowGapCount());
            windowGapCount += r.windowGapCount();
        }
        return new LevelRun(server, level, level.streams(), results.size(), errors, details, stalls, deltas,
                new Percentiles(ttfb, ttfbCount), new Percentiles(firstDelta, firstCount), new Percentiles(gaps, gapCount),
                new Percentiles(windowGaps, windowGapCount),
                usage, idleRssKib, relay, openFileLimit, firstTrouble, seconds, new Percentiles[] {
                        new Percentiles(split[0], splitCount), new Percentiles(split[1], splitCount),
                        new Percentiles(split[2], splitCount)});
    }

    int errorCount() {
        return errors.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Server CPU in the window as a percentage of one core. */
    double cpuPercent() {
        return usage.valid() ? 100 * usage.cpuSeconds() / usage.windowSeconds() : Double.NaN;
    }

    /** Server CPU per delta received in the window, in microseconds. */
    double cpuMicrosPerDelta() {
        return usage.valid() && usage.deltas() > 0 ? usage.cpuSeconds() * 1e6 / usage.deltas() : Double.NaN;
    }

    /** (peak RSS while all streams were open − idle RSS before the level) / streams, in KiB. */
    double rssKibPerStream() {
        return usage.valid() && usage.peakRssKib() > 0 && idleRssKib > 0
                ? (usage.peakRssKib() - idleRssKib) / (double) clients : Double.NaN;
    }

    double clientCpuPercent() {
        return usage.valid() ? 100 * usage.clientCpuSeconds() / usage.windowSeconds() : Double.NaN;
    }
}
