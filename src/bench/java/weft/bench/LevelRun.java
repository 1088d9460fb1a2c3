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
 * level's files in the output directory. {@code instances} Weft processes served the level
 * (more than one only on Redis), {@code followed} says whether streams were background runs
 * read with {@code GET /v1/runs/{id}/events}; {@code appendToRead} is every live delta's time
 * from the run's log to the client by the delta's {@code ts} ({@code windowAppendToRead} those
 * while all streams were open); {@code lostEvents},
 * {@code duplicateEvents} and {@code withoutDone} are the streams' seq check; {@code redis} is
 * what Redis did (null for a level in memory); {@code levelCpuSeconds} is the server's CPU over
 * the whole level (every instance; -1 if unknown).
 */
record LevelRun(String server, String files, BenchOptions.Level level, int clients, int streams, Map<Outcome, Integer> errors,
                Map<Outcome, String> firstErrorDetail, int stalls, long deltas, long events,
                Percentiles ttfb, Percentiles firstDelta, Percentiles done, Percentiles gaps, Percentiles windowGaps,
                ServerMeter.Usage usage, long idleRssKib, RelayHistogram relay, String openFileLimit,
                String firstTrouble, double seconds, Percentiles[] split, EndToEnd endToEnd,
                int instances, boolean followed, Percentiles appendToRead, Percentiles windowAppendToRead,
                long lostEvents, long duplicateEvents, int withoutDone, RedisLevel redis, double levelCpuSeconds) {

    static LevelRun of(String server, String files, BenchOptions.Level level, List<StreamResult> results,
                       ServerMeter.Usage usage, long idleRssKib, RelayHistogram relay, String openFileLimit,
                       String firstTrouble, double seconds, EndToEnd endToEnd, int instances, boolean followed,
                       RedisLevel redis, double levelCpuSeconds) {
        var errors = new EnumMap<Outcome, Integer>(Outcome.class);
        var details = new LinkedHashMap<Outcome, String>();
        int stalls = 0;
        long deltas = 0, events = 0;
        long[] ttfb = new long[results.size()];
        long[] firstDelta = new long[results.size()];
        long[] done = new long[results.size()];
        int ttfbCount = 0, firstCount = 0, doneCount = 0, gapCount = 0;
        int windowGapCount = 0, appendCount = 0, windowAppendCount = 0;
        for (var r : results) {
            gapCount += r.gapCount();
            windowGapCount += r.windowGapCount();
            appendCount += r.appendToReadCount();
            windowAppendCount += r.windowAppendToReadCount();
        }
        long[] appendToRead = new long[appendCount];
        long[] windowAppendToRead = new long[windowAppendCount];
        appendCount = 0;
        windowAppendCount = 0;
        long lost = 0, duplicated = 0;
        int withoutDone = 0;
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
            System.arraycopy(r.appendToRead(), 0, appendToRead, appendCount, r.appendToReadCount());
            appendCount += r.appendToReadCount();
            System.arraycopy(r.windowAppendToRead(), 0, windowAppendToRead, windowAppendCount, r.windowAppendToReadCount());
            windowAppendCount += r.windowAppendToReadCount();
            lost += r.lostEvents();
            duplicated += r.duplicateEvents();
            if (r.doneNanos() < 0) withoutDone++;
        }
        return new LevelRun(server, files, level, level.streams(), results.size(), errors, details, stalls, deltas, events,
                new Percentiles(ttfb, ttfbCount), new Percentiles(firstDelta, firstCount), new Percentiles(done, doneCount),
                new Percentiles(gaps, gapCount), new Percentiles(windowGaps, windowGapCount),
                usage, idleRssKib, relay, openFileLimit, firstTrouble, seconds, new Percentiles[] {
                        new Percentiles(split[0], splitCount), new Percentiles(split[1], splitCount),
                        new Percentiles(split[2], splitCount)}, endToEnd, instances, followed,
                new Percentiles(appendToRead, appendCount), new Percentiles(windowAppendToRead, windowAppendCount),
                lost, duplicated, withoutDone, redis, levelCpuSeconds);
    }

    /**
     * Server CPU from just before the level's first stream to just after its last, per delta
     * received in that time, in µs: ramp and tail included, so higher than the window's figure,
     * but there even when a level never had all its streams open at once.
     */
    double levelCpuMicrosPerDelta() {
        return deltas > 0 && levelCpuSeconds >= 0 ? levelCpuSeconds * 1e6 / deltas : Double.NaN;
    }

    /**
     * Redis's CPU in the window per delta, in µs: from /proc when the bench started the
     * redis-server, else from Redis's own {@code INFO cpu}. NaN without Redis.
     */
    double redisCpuMicrosPerDelta() {
        if (redis == null || !usage.valid() || usage.deltas() == 0) return Double.NaN;
        double seconds = usage.redisCpuSeconds() > 0 ? usage.redisCpuSeconds()
                : redis.window() != null && redis.window().stats() != null ? redis.window().stats().cpuSeconds() : Double.NaN;
        return seconds * 1e6 / usage.deltas();
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

    /**
     * The part of {@link #cpuMicrosPerDelta} the JIT compiler threads used: code that got hot
     * during the level being compiled, a cost a server pays once, not per delta for ever.
     */
    double jitMicrosPerDelta() {
        return usage.valid() && usage.deltas() > 0 ? usage.jitCpuSeconds() * 1e6 / usage.deltas() : Double.NaN;
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
