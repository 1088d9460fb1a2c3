package weft.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Measures a server process over the {@link OpenWindow}: CPU time used (from {@code /proc}),
 * the deltas and events clients received meanwhile, and resident memory sampled every 100 ms
 * for its peak; in the relay mode also the mock upstream's CPU time.
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
     */
    record Usage(double windowSeconds, double cpuSeconds, long deltas, long events, long peakRssKib, int openStreams,
                 double clientCpuSeconds, double upstreamCpuSeconds, double otherCpuSeconds) {
        boolean valid() {
            return windowSeconds > 0;
        }
    }

    private ServerMeter() {}

    /**
     * Starts watching on a platform thread (so it is never starved by the streams' virtual threads).
     * {@code upstreamPid} is the mock upstream's process, or -1 when there is none.
     */
    static CompletableFuture<Usage> watch(long pid, long upstreamPid, OpenWindow window) {
        var usage = new CompletableFuture<Usage>();
        Thread.ofPlatform().name("bench meter").daemon().start(() -> {
            try {
                usage.complete(measure(pid, upstreamPid, window));
            } catch (Throwable t) {
                usage.completeExceptionally(t);
            }
        });
        return usage;
    }

    private static Usage measure(long pid, long upstreamPid, OpenWindow window) throws InterruptedException {
        long self = ProcessHandle.current().pid();
        window.awaitAllOpen(Duration.ofHours(1));
        if (window.endedBeforeAllOpen()) return new Usage(0, 0, 0, 0, -1, window.openStreams(), 0, 0, 0);
        try {
            long t0 = System.nanoTime();
            double cpu0 = Proc.cpuSeconds(pid);
            double self0 = Proc.cpuSeconds(self);
            double up0 = upstreamPid < 0 ? 0 : Proc.cpuSeconds(upstreamPid);
            double machine0 = Proc.machineBusySeconds();
            long deltas0 = window.deltas();
            long events0 = window.events();
            int open = window.openStreams();
            long peak = Proc.rssKib(pid);
            while (!window.awaitFirstEnd(RSS_EVERY)) {
                peak = Math.max(peak, Proc.rssKib(pid));
            }
            long t1 = System.nanoTime();
            double cpu1 = Proc.cpuSeconds(pid);
            double self1 = Proc.cpuSeconds(self);
            double up1 = upstreamPid < 0 ? 0 : Proc.cpuSeconds(upstreamPid);
            double machine1 = Proc.machineBusySeconds();
            double server = cpu1 - cpu0;
            double client = self1 - self0;
            double upstream = up1 - up0;
            return new Usage((t1 - t0) / 1e9, server, window.deltas() - deltas0, window.events() - events0, peak, open,
                    client, upstream, Math.max(0, machine1 - machine0 - server - client - upstream));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc for pid " + pid, e);
        }
    }
}
