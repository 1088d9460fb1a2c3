package weft.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The relay mode's whole path, token by token: from the mock upstream writing a chunk to the
 * client reading the delta Weft made of it. Both ends take {@link System#nanoTime()}, which on
 * Linux reads {@code CLOCK_MONOTONIC}, one clock for every process on the machine, so the
 * difference of two processes' readings is a duration.
 *
 * <p>Weft does not pass the upstream's chunk {@code id} on, so a chunk cannot carry its own
 * timestamp to the client. Instead both sides keep their times: the upstream per tag (the run's
 * model, see {@link Ask}) the write time of each content chunk, the client the arrival of each
 * delta. The k-th delta is matched with the k-th chunk, which holds only while Weft makes
 * exactly one delta of each chunk (it does with the demo's chat answer: no citation markers to
 * hold back, no split characters). A stream whose delta count differs from its chunk count is
 * left out rather than guessed at, and the report says how many streams were matched.
 *
 * <p>The upstream also notes when each request reached it, which cuts a matched stream's time
 * to first delta in three on the same clock: the client's connect → the upstream has Weft's
 * request (Weft accepting, starting the run, connecting and sending upstream), → the first
 * chunk written (the model's ttft), → the client reads it ({@code latency}'s first sample).
 *
 * @param latency        write → read, every delta of every matched stream
 * @param toUpstream     client connect → the upstream has the request, per matched stream
 * @param upstreamFirst  the upstream has the request → it writes the first chunk, per matched stream
 * @param matchedStreams streams whose deltas matched the upstream's chunks one to one
 * @param taggedStreams  completed streams that carried a tag
 */
record EndToEnd(Percentiles latency, Percentiles toUpstream, Percentiles upstreamFirst, int matchedStreams,
                int taggedStreams) {

    /**
     * Joins the upstream's times ({@code GET /bench/writes} of {@link OpenAiUpstream}: a line
     * per request, "tag arrival write1 write2 …") with the clients' arrival times.
     */
    static EndToEnd match(String upstreamWrites, List<StreamResult> results) {
        Map<String, long[]> writes = new HashMap<>();
        for (String line : upstreamWrites.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split(" ");
            long[] times = new long[f.length - 1];
            for (int i = 1; i < f.length; i++) times[i - 1] = Long.parseLong(f[i]);
            writes.put(f[0], times);
        }
        int samples = 0;
        for (var r : results) samples += r.deltaArrivals() == null ? 0 : r.deltaArrivals().length;
        long[] latency = new long[samples];
        long[] toUpstream = new long[results.size()];
        long[] upstreamFirst = new long[results.size()];
        int n = 0, matched = 0, tagged = 0;
        for (var r : results) {
            if (r.tag() == null || r.failed()) continue;
            tagged++;
            long[] times = writes.get(r.tag());
            long[] read = r.deltaArrivals();
            if (times == null || times.length - 1 != read.length || read.length == 0) continue;
            long connect = read[0] - r.firstDeltaNanos(); // the stream's start, on the same clock
            toUpstream[matched] = times[0] - connect;
            upstreamFirst[matched++] = times[1] - times[0];
            for (int i = 0; i < read.length; i++) latency[n++] = read[i] - times[i + 1];
        }
        return new EndToEnd(new Percentiles(latency, n), new Percentiles(toUpstream, matched),
                new Percentiles(upstreamFirst, matched), matched, tagged);
    }
}
