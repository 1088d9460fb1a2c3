package weft.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram in seconds: cumulative {@code _bucket{le=…}} counts, {@code _sum}
 * and {@code _count}, optionally split by one label. Observations are lock-free.
 */
final class Histogram {
    final String name;
    final String help;
    final String label;
    private final double[] bounds;
    private final Map<String, Series> byValue = new ConcurrentSkipListMap<>();

    Histogram(String name, String help, String label, double... bounds) {
        this.name = name;
        this.help = help;
        this.label = label;
        this.bounds = bounds.clone();
    }

    void observe(String labelValue, double seconds) {
        byValue.computeIfAbsent(labelValue, v -> new Series(bounds.length)).observe(bounds, seconds);
    }

    void render(StringBuilder out) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" histogram\n");
        byValue.forEach((value, series) -> {
            String prefix = label == null ? "" : label + "=\"" + Metrics.escape(value) + "\",";
            long cumulative = 0;
            for (int i = 0; i < bounds.length; i++) {
                cumulative += series.buckets[i].sum();
                out.append(name).append("_bucket{").append(prefix).append("le=\"").append(bounds[i]).append("\"} ")
                        .append(cumulative).append('\n');
            }
            long count = series.count.sum();
            out.append(name).append("_bucket{").append(prefix).append("le=\"+Inf\"} ").append(count).append('\n');
            String labels = label == null ? "" : "{" + prefix.substring(0, prefix.length() - 1) + "}";
            out.append(name).append("_sum").append(labels).append(' ').append(series.sum.sum()).append('\n');
            out.append(name).append("_count").append(labels).append(' ').append(count).append('\n');
        });
    }

    private static final class Series {
        final LongAdder[] buckets;
        final LongAdder count = new LongAdder();
        final DoubleAdder sum = new DoubleAdder();

        Series(int n) {
            buckets = new LongAdder[n];
            for (int i = 0; i < n; i++) buckets[i] = new LongAdder();
        }

        void observe(double[] bounds, double value) {
            for (int i = 0; i < bounds.length; i++) {
                if (value <= bounds[i]) {
                    buckets[i].increment();
                    break;
                }
            }
            count.increment();
            sum.add(value);
        }
    }
}
