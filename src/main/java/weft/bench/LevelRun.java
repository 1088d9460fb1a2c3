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
 * In the research mode a stream is a whole workflow run; in the relay mode {@code endToEnd} has
 * the upstream → client latency (null in the other modes). {@code files} is the prefix of the
 * level's files in the output directory.
 */
record LevelRun(String server, String files, BenchOptions.Level level, int clients, int streams, Map<Outcome, Integer> errors,
                Map<Outcome, String> firstErrorDetail, int stalls, long deltas, long events,
                Percentiles ttfb, Percentiles firstDelta, Percentiles done, Percentiles gaps, Percentiles windowGaps,
                ServerMeter.Usage usage, long idleRssKib, RelayHistogram relay, String openFileLimit,
                String firstTrouble, double seconds, Percentiles[] split, EndToEnd endToEnd) {

    static LevelRun of(String server, String files, BenchOptions.Level level, List<StreamResult> results,
                       ServerMeter.Usage usage, long idleRssKib, RelayHistogram relay, String openFileLimit,
                       String firstTrouble, double seconds, EndToEnd endToEnd) {
        var errors = new EnumMap<Outcome, Integer>(Outcome.class);
        var details = new LinkedHashMap<Outcome, String>();
        int stalls = 0;
        long deltas = 0, events = 0;
        long[] ttfb = new long[results.size()];
        long[] firstDelta = new long[results.size()];
        long[] done = new long[results.size()];
        int ttfbCount = 0, firstCount = 0, doneCount = 0, gapCount = 0;
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
            events += r.events();
            if (r.ttfbNanos() >= 0) ttfb[ttfbCount++] = r.ttfbNanos();
            if (r.firstDeltaNanos() >= 0) firstDelta[firstCount++] = r.firstDeltaNanos();
            if (r.doneNanos() >= 0 && !r.failed()) done[doneCount++] = r.doneNanos();
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
        return new LevelRun(server, files, level, level.streams(), results.size(), errors, details, stalls, deltas, events,
                new Percentiles(ttfb, ttfbCount), new Percentiles(firstDelta, firstCount), new Percentiles(done, doneCount),
                new Percentiles(gaps, gapCount), new Percentiles(windowGaps, windowGapCount),
                usage, idleRssKib, relay, openFileLimit, firstTrouble, seconds, new Percentiles[] {
                        new Percentiles(split[0], splitCount), new Percentiles(split[1], splitCount),
                        new Percentiles(split[2], splitCount)}, endToEnd);
    }

    /** Streams (runs, in the research mode) that ended with done status {@code completed}. */
    int completed() {
        return streams - errorCount();
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

    /** Deltas and events of every type clients received per second in the window. */
    double deltasPerSecond() {
        return usage.valid() ? usage.deltas() / usage.windowSeconds() : Double.NaN;
    }

    double eventsPerSecond() {
        return usage.valid() ? usage.events() / usage.windowSeconds() : Double.NaN;
    }

    /** The mock upstream's CPU in the window (relay mode), as a percentage of one core and per delta in µs. */
    double upstreamCpuPercent() {
        return usage.valid() ? 100 * usage.upstreamCpuSeconds() / usage.windowSeconds() : Double.NaN;
    }

    double upstreamCpuMicrosPerDelta() {
        return usage.valid() && usage.deltas() > 0 ? usage.upstreamCpuSeconds() * 1e6 / usage.deltas() : Double.NaN;
    }

    double clientCpuPercent() {
        return usage.valid() ? 100 * usage.clientCpuSeconds() / usage.windowSeconds() : Double.NaN;
    }
}
