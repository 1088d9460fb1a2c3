package weft.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Watches Redis through a level, as {@link ServerMeter} watches the servers: its counters when
 * all streams are open and when the first one ends (the {@link OpenWindow}), and every 250 ms
 * from the level's first stream to its last, how many clients are connected
 * ({@code INFO clients}) and under which names ({@code CLIENT LIST}; Weft names its
 * connections {@code weft-<instance>}). The clients are counted over the whole level rather
 * than the window, so that a level whose streams were never all open at once still has them.
 * The probe's own connection is left out of both.
 */
final class RedisMeter {
    private static final Duration EVERY = Duration.ofMillis(250);

    /**
     * @param stats        Redis's counters over the open window; null if there was none
     * @param peakClients  the most {@code connected_clients} seen in the level, the probe not counted
     * @param peakByName   the most connections seen per client name
     * @param samples      how many times the clients were counted
     */
    record Window(RedisStats stats, int peakClients, Map<String, Integer> peakByName, int samples) {}

    private final CountDownLatch levelOver = new CountDownLatch(1);
    private final CompletableFuture<Window> result = new CompletableFuture<>();

    private RedisMeter() {}

    /** Starts watching on a platform thread, from now until {@link #finish}. */
    static RedisMeter watch(RedisProbe probe, OpenWindow window) {
        var meter = new RedisMeter();
        Thread.ofPlatform().name("bench redis meter").daemon().start(() -> {
            try {
                meter.result.complete(meter.measure(probe, window));
            } catch (Throwable t) {
                meter.result.completeExceptionally(t);
            }
        });
        return meter;
    }

    /** The level's last stream has ended: stop counting, and the figures. */
    Window finish() {
        levelOver.countDown();
        return result.join();
    }

    private Window measure(RedisProbe probe, OpenWindow window) throws InterruptedException {
        try {
            RedisStats start = null, stats = null;
            boolean opened = false;
            int peak = 0, samples = 0;
            var peakByName = new HashMap<String, Integer>();
            while (true) {
                // Waiting on the window's own latches (up to 250 ms) takes its counters as it opens and ends.
                if (!opened) {
                    if (window.awaitAllOpen(EVERY)) {
                        opened = true;
                        if (!window.endedBeforeAllOpen()) start = RedisStats.take(probe);
                    }
                } else if (start != null && stats == null) {
                    if (window.awaitFirstEnd(EVERY)) stats = RedisStats.take(probe).minus(start);
                } else if (levelOver.await(EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
                int connected = Integer.parseInt(probe.info("clients").get("connected_clients").strip()) - 1;
                peak = Math.max(peak, connected);
                probe.clientsByName().forEach((name, n) -> {
                    if (!name.equals(RedisProbe.NAME)) peakByName.merge(name, n, Math::max);
                });
                samples++;
                if (levelOver.getCount() == 0 && opened && (stats != null || start == null)) break;
            }
            return new Window(stats, peak, peakByName, samples);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Redis's counters", e);
        }
    }
}
