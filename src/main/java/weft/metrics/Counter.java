package weft.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/** A monotonically increasing count, optionally split by one label ({@code status="completed"}). */
final class Counter {
    final String name;
    final String help;
    final String label;
    private final Map<String, LongAdder> byValue = new ConcurrentSkipListMap<>();

    Counter(String name, String help, String label) {
        this.name = name;
        this.help = help;
        this.label = label;
    }

    void add(String labelValue, long n) {
        byValue.computeIfAbsent(labelValue, v -> new LongAdder()).add(n);
    }

    long get(String labelValue) {
        var adder = byValue.get(labelValue);
        return adder == null ? 0 : adder.sum();
    }

    void render(StringBuilder out) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        if (label == null) {
            out.append(name).append(' ').append(get("")).append('\n');
            return;
        }
        byValue.forEach((value, adder) -> out.append(name).append('{').append(label).append("=\"")
                .append(Metrics.escape(value)).append("\"} ").append(adder.sum()).append('\n'));
    }

}
