package weft.bench;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Redis's own counters at one moment, or (after {@link #minus}) over a stretch of a level, with
 * what the bench's probe sent itself taken out.
 *
 * <p>Weft pipelines its event writes and exposes no count of its batches, so round trips are
 * read off Redis: {@code total_reads_processed} counts the read events Redis handled on client
 * sockets, and a request, a pipelined batch included, arrives in one read unless it is larger
 * than Redis's 16 KiB read buffer (a batch of about 50 events or more). So reads are the round
 * trips clients made, a little over for large batches; {@code total_writes_processed} counts
 * the replies and pushed messages Redis wrote.
 *
 * @param commands  {@code total_commands_processed}
 * @param reads     {@code total_reads_processed}
 * @param writes    {@code total_writes_processed}
 * @param cpuSeconds {@code used_cpu_user + used_cpu_sys}, all of Redis's threads
 * @param calls     {@code INFO commandstats} calls per command ("xadd", "client|unblock")
 */
record RedisStats(long commands, long reads, long writes, double cpuSeconds, Map<String, Long> calls) {

    static RedisStats take(RedisProbe probe) throws IOException {
        Map<String, String> info = probe.info("stats", "cpu", "commandstats");
        var calls = new TreeMap<String, Long>();
        info.forEach((field, value) -> {
            // cmdstat_xadd:calls=9,usec=…
            if (field.startsWith("cmdstat_")) {
                String count = value.substring(value.indexOf("calls=") + 6, value.indexOf(','));
                calls.put(field.substring(8), Long.parseLong(count));
            }
        });
        // Subtracted here rather than after: what the probe has sent by now includes this INFO.
        Map<String, Long> own = probe.sent();
        long ownTotal = own.values().stream().mapToLong(Long::longValue).sum();
        own.forEach((command, n) -> calls.merge(command, -n, Long::sum));
        return new RedisStats(number(info, "total_commands_processed") - ownTotal, number(info, "total_reads_processed") - ownTotal,
                number(info, "total_writes_processed") - ownTotal,
                Double.parseDouble(info.getOrDefault("used_cpu_user", "0")) + Double.parseDouble(info.getOrDefault("used_cpu_sys", "0")),
                calls);
    }

    /** What happened after {@code earlier} was taken. */
    RedisStats minus(RedisStats earlier) {
        var diff = new TreeMap<String, Long>();
        calls.forEach((command, n) -> {
            long d = n - earlier.calls.getOrDefault(command, 0L);
            if (d != 0) diff.put(command, d);
        });
        return new RedisStats(commands - earlier.commands, reads - earlier.reads, writes - earlier.writes,
                cpuSeconds - earlier.cpuSeconds, diff);
    }

    long calls(String command) {
        return calls.getOrDefault(command, 0L);
    }

    private static long number(Map<String, String> info, String field) {
        String v = info.get(field);
        if (v == null) throw new IllegalStateException("Redis's INFO has no " + field + " (Redis 6 or later has it)");
        return Long.parseLong(v.strip());
    }
}
