package weft.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The server's own view of its latency: Weft's {@code weft_event_relay_seconds} histogram,
 * the time from a delta entering its run's log (which happens synchronously inside the demo
 * model's emit call) to its SSE frame being flushed to the client's socket.
 *
 * <p>A histogram keeps counts per bucket, not samples, so a quantile is known only to the
 * bucket that holds it: "p99 ≤ 0.3 ms" means the 99th-percentile observation fell in the
 * bucket whose upper bound is 0.3 ms. Scraping before and after a level and subtracting leaves
 * exactly that level's observations.
 */
record RelayHistogram(double[] bounds, long[] cumulative) {
    private static final String BUCKET = "weft_event_relay_seconds_bucket{";

    /** Reads the histogram's buckets from a {@code /metrics} page; empty if the metric is absent. */
    static RelayHistogram parse(String exposition) {
        var buckets = new TreeMap<Double, Long>(); // by upper bound; +Inf sorts last
        for (String line : exposition.split("\n")) {
            if (!line.startsWith(BUCKET)) continue;
            int le = line.indexOf("le=\"");
            int close = line.indexOf('"', le + 4);
            String bound = line.substring(le + 4, close);
            long count = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1).strip());
            buckets.put(bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound), count);
        }
        double[] bounds = new double[buckets.size()];
        long[] counts = new long[buckets.size()];
        int i = 0;
        for (var e : buckets.entrySet()) {
            bounds[i] = e.getKey();
            counts[i++] = e.getValue();
        }
        return new RelayHistogram(bounds, counts);
    }

    /** The observations made after {@code earlier} was scraped. */
    RelayHistogram minus(RelayHistogram earlier) {
        long[] diff = cumulative.clone();
        for (int i = 0; i < diff.length && i < earlier.cumulative.length; i++) diff[i] -= earlier.cumulative[i];
        return new RelayHistogram(bounds, diff);
    }

    /** Both histograms' observations together (two instances' histograms, same buckets). */
    RelayHistogram plus(RelayHistogram other) {
        if (cumulative.length == 0) return other;
        if (other.cumulative.length == 0) return this;
        if (!java.util.Arrays.equals(bounds, other.bounds)) throw new IllegalArgumentException("different buckets");
        long[] sum = cumulative.clone();
        for (int i = 0; i < sum.length; i++) sum[i] += other.cumulative[i];
        return new RelayHistogram(bounds, sum);
    }

    long count() {
        return cumulative.length == 0 ? 0 : cumulative[cumulative.length - 1];
    }

    /** The upper bound of the bucket holding quantile {@code q}, in seconds; NaN if there are no observations. */
    double quantileBound(double q) {
        long n = count();
        if (n == 0) return Double.NaN;
        long rank = Math.max(1, (long) Math.ceil(q * n));
        for (int i = 0; i < cumulative.length; i++) {
            if (cumulative[i] >= rank) return bounds[i];
        }
        return Double.POSITIVE_INFINITY;
    }

    /** "≤ 0.2 ms", or "> 100 ms" for the overflow bucket, or "n/a". */
    String describe(double q) {
        double bound = quantileBound(q);
        if (Double.isNaN(bound)) return "n/a";
        if (Double.isInfinite(bound)) return "> " + ms(largestFiniteBound()) + " ms";
        return "≤ " + ms(bound) + " ms";
    }

    /** Every bucket with its own (not cumulative) count, for the detailed report. */
    List<String> describeBuckets() {
        var rows = new ArrayList<String>();
        long previous = 0;
        for (int i = 0; i < bounds.length; i++) {
            long inBucket = cumulative[i] - previous;
            previous = cumulative[i];
            String label = Double.isInfinite(bounds[i]) ? "> " + ms(largestFiniteBound()) : "≤ " + ms(bounds[i]);
            rows.add(label + " ms: " + inBucket);
        }
        return rows;
    }

    private double largestFiniteBound() {
        return bounds.length < 2 ? 0 : bounds[bounds.length - 2];
    }

    /** Milliseconds without trailing zeros: 0.02, 0.3, 1, 100. */
    private static String ms(double seconds) {
        String s = String.format(Locale.ROOT, "%.3f", seconds * 1000).replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
