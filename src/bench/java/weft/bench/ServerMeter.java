package weft.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Measures a server over the {@link OpenWindow}: CPU time used (from {@code /proc}), the
 * deltas and events clients received meanwhile, and resident memory sampled every 100 ms for
 * its peak; in the relay mode also the mock upstream's CPU time, with {@code --redis} the
 * redis-server's. A server of several instances (Weft on one Redis) is the sum of their
 * processes.
 * The benchmark's own CPU and that of every other process are measured alongside: client and
 * server share the machine's cores with each other and with whatever else runs, and a busy
 * neighbour is part of the picture.
 */
final class ServerMeter {
    private static final Duration RSS_EVERY = Duration.ofMillis(100);

    /**
     * @param windowSeconds   how long all streams were open; 0 if never
     * @param cpuSeconds      server CPU in the window
     * @param deltas          deltas received by clients in the window
     * @param events          events of every type (deltas included) received by clients in the window
     * @param peakRssKib      highest server RSS seen in the window
     * @param openStreams     streams open when the window began
     * @param clientCpuSeconds the benchmark process's CPU in the window
     * @param upstreamCpuSeconds the mock upstream's CPU in the window (relay mode); 0 without one
     * @param otherCpuSeconds  what every other process on the machine used in the window
     * @param redisCpuSeconds  the redis-server's CPU in the window, when the bench started it; 0 otherwise
     * @param instanceCpuSeconds each server process's share of {@code cpuSeconds}, in the order given
     * @param jitCpuSeconds   the part of {@code cpuSeconds} the servers' JIT compiler threads used (a lower bound)
     */
    record Usage(double windowSeconds, double cpuSeconds, long deltas, long events, long peakRssKib, int openStreams,
                 double clientCpuSeconds, double upstreamCpuSeconds, double otherCpuSeconds, double redisCpuSeconds,
                 double[] instanceCpuSeconds, double jitCpuSeconds) {
        boolean valid() {
            return windowSeconds > 0;
        }
    }

    private ServerMeter() {}

    /**
     * Starts watching on a platform thread (so it is never starved by the streams' virtual threads).
     * {@code pids} are the server's processes; {@code upstreamPid} is the mock upstream's process
     * and {@code redisPid} the redis-server's, each -1 when there is none.
     */
    static CompletableFuture<Usage> watch(long[] pids, long upstreamPid, long redisPid, OpenWindow window) {
        var usage = new CompletableFuture<Usage>();
        Thread.ofPlatform().name("bench meter").daemon().start(() -> {
            try {
                usage.complete(measure(pids, upstreamPid, redisPid, window));
            } catch (Throwable t) {
                usage.completeExceptionally(t);
            }
        });
        return usage;
    }

    private static Usage measure(long[] pids, long upstreamPid, long redisPid, OpenWindow window) throws InterruptedException {
        long self = ProcessHandle.current().pid();
        window.awaitAllOpen(Duration.ofHours(1));
        if (window.endedBeforeAllOpen()) {
            return new Usage(0, 0, 0, 0, -1, window.openStreams(), 0, 0, 0, 0, new double[pids.length], 0);
        }
        try {
            long t0 = System.nanoTime();
            double[] cpu0 = cpu(pids);
            double jit0 = jit(pids);
            double self0 = Proc.cpuSeconds(self);
            double up0 = upstreamPid < 0 ? 0 : Proc.cpuSeconds(upstreamPid);
            double redis0 = redisPid < 0 ? 0 : Proc.cpuSeconds(redisPid);
            double machine0 = Proc.machineBusySeconds();
            long deltas0 = window.deltas();
            long events0 = window.events();
            int open = window.openStreams();
            long peak = rss(pids);
            while (!window.awaitFirstEnd(RSS_EVERY)) {
                peak = Math.max(peak, rss(pids));
            }
            long t1 = System.nanoTime();
            double[] cpu1 = cpu(pids);
            double jit1 = jit(pids);
            double self1 = Proc.cpuSeconds(self);
            double up1 = upstreamPid < 0 ? 0 : Proc.cpuSeconds(upstreamPid);
            double redis1 = redisPid < 0 ? 0 : Proc.cpuSeconds(redisPid);
            double machine1 = Proc.machineBusySeconds();
            double[] each = new double[pids.length];
            double server = 0;
            for (int i = 0; i < pids.length; i++) {
                each[i] = cpu1[i] - cpu0[i];
                server += each[i];
            }
            double client = self1 - self0;
            double upstream = up1 - up0;
            double redis = redis1 - redis0;
            return new Usage((t1 - t0) / 1e9, server, window.deltas() - deltas0, window.events() - events0, peak, open,
                    client, upstream, Math.max(0, machine1 - machine0 - server - client - upstream - redis), redis, each,
                    Math.max(0, jit1 - jit0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc for pids " + java.util.Arrays.toString(pids), e);
        }
    }

    private static double[] cpu(long[] pids) throws IOException {
        double[] seconds = new double[pids.length];
        for (int i = 0; i < pids.length; i++) seconds[i] = Proc.cpuSeconds(pids[i]);
        return seconds;
    }

    private static double jit(long[] pids) throws IOException {
        double seconds = 0;
        for (long pid : pids) seconds += Proc.compilerCpuSeconds(pid);
        return seconds;
    }

    /** The processes' RSS together, in KiB; -1 if one is gone. */
    static long rss(long[] pids) {
        long sum = 0;
        for (long pid : pids) {
            long kib = Proc.rssKib(pid);
            if (kib < 0) return -1;
            sum += kib;
        }
        return sum;
    }
}
