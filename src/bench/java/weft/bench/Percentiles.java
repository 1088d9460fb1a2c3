package weft.bench;

import java.util.Arrays;

/** Exact percentiles of client-side samples (nanoseconds), by the nearest-rank method. */
final class Percentiles {
    private final long[] sorted;

    Percentiles(long[] samples, int count) {
        sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
    }

    int count() {
        return sorted.length;
    }

    /** The smallest sample with at least {@code q} of all samples at or below it; -1 if there are none. */
    long at(double q) {
        if (sorted.length == 0) return -1;
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    long max() {
        return sorted.length == 0 ? -1 : sorted[sorted.length - 1];
    }
}
