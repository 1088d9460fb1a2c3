package weft.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ./run.sh bench --burst [runs]}: does memory come back after a burst? A fresh Weft (with
 * run.sh's JVM flags) takes {@code runs} quick runs from 64 clients at once; then, while its
 * ended runs and sessions expire (retention 30 s, sessions 1 min here) and after, its RSS is
 * read every 10 s for 5 minutes. The target: back under 1.5 × the idle figure within 5 min.
 */
final class Burst {
    private static final int CLIENTS = 64;
    private static final Duration WATCH = Duration.ofMinutes(5);
    private static final Duration EVERY = Duration.ofSeconds(10);

    private Burst() {}

    static void run(int runs, Path out) throws Exception {
        Files.createDirectories(out);
        try (var snapshot = ClassPathSnapshot.take()) {
            int port = ChildServer.freePort();
            var env = Map.of("WEFT_PORT", Integer.toString(port), "WEFT_DEMO_TTFT", "0ms", "WEFT_DEMO_TOKENS_PER_SECOND", "0",
                    "WEFT_RUN_RETENTION", "30s", "WEFT_RUN_TIMEOUT", "30s", "WEFT_SESSION_TTL", "1m", "WEFT_LOG", "off",
                    "REDIS_URL", "");
            try (var weft = ChildServer.start("weft", "weft.Main", snapshot.classPath(), port, List.of(), env,
                    out.resolve("burst-weft.log"))) {
                var http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                var run = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/runs"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"burst\",\"stream\":false,\"max_tokens\":8}")).build();
                fire(http, run, 200); // warm-up, so that idle means a server that has served
                Thread.sleep(EVERY.toMillis()); // a measurement interval: what idle settles at
                long idle = Proc.rssKib(weft.pid());
                long start = System.nanoTime();
                long peak = Math.max(idle, fire(http, run, runs, weft.pid()));
                double seconds = (System.nanoTime() - start) / 1e9;
                var lines = new ArrayList<String>();
                lines.add(String.format("burst: %,d runs in %.1f s from %d clients; idle RSS %,d MiB, peak %,d MiB",
                        runs, seconds, CLIENTS, idle >> 10, peak >> 10));
                long backAt = -1;
                for (long t = 0; t <= WATCH.toSeconds(); t += EVERY.toSeconds()) {
                    long rss = Proc.rssKib(weft.pid());
                    lines.add(String.format("  %3d s after: RSS %,d MiB (%.2f × idle)", t, rss >> 10, rss / (double) idle));
                    if (backAt < 0 && rss < 1.5 * idle) backAt = t;
                    if (t < WATCH.toSeconds()) Thread.sleep(EVERY.toMillis());
                }
                lines.add(backAt >= 0 ? "target (under 1.5 × idle within 5 min): met, " + backAt + " s after the burst"
                        : "target (under 1.5 × idle within 5 min): not met");
                lines.forEach(System.out::println);
                Files.write(out.resolve("burst.txt"), lines);
            }
        }
    }

    /** Sends {@code n} runs from {@link #CLIENTS} clients and returns the peak RSS seen meanwhile (KiB). */
    private static long fire(HttpClient http, HttpRequest run, int n, long pid) throws Exception {
        var left = new AtomicInteger(n);
        var failed = new AtomicInteger();
        long peak = 0;
        try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
            var all = new ArrayList<Future<?>>();
            for (int c = 0; c < CLIENTS; c++) {
                all.add(clients.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        if (http.send(run, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) failed.incrementAndGet();
                    }
                    return null;
                }));
            }
            while (!all.stream().allMatch(Future::isDone)) {
                if (pid > 0) peak = Math.max(peak, Proc.rssKib(pid));
                Thread.sleep(100); // the RSS sampling interval
            }
            for (Future<?> f : all) f.get();
        }
        if (failed.get() > 0) System.err.printf("burst: %,d of %,d runs were not 200%n", failed.get(), n);
        return peak;
    }

    private static void fire(HttpClient http, HttpRequest run, int n) throws Exception {
        fire(http, run, n, -1);
    }
}
