package weft.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Keeps {@code clients} streams open at once for about {@code duration}: each client, on its
 * own virtual thread, opens a stream, reads it to {@code done}, and opens the next one as long
 * as another fits in the duration. At a low token rate one stream fills the level; at 60
 * tokens/s the demo's answer (a few hundred tokens) is over in seconds, and the client follows
 * it with another, so the level still holds {@code clients} concurrent streams throughout. A
 * client stops at its first failed stream rather than hammer a failing server.
 *
 * <p>Clients are started on a schedule ({@code rampPerSecond}), not all at once: the JDK
 * server accepts on one thread with a backlog of 4096, and 10,000 simultaneous connects would
 * measure the accept queue and SYN retransmits (1 s, then 3 s) rather than streaming. The rate
 * matters too: starting a stream costs the server about 1 ms of CPU (request, run, the demo
 * writing its answer), so 2,000 new streams a second saturate two cores shared with the client,
 * and the level would measure that overload; 1,000 a second (10 s for 10,000) leaves headroom.
 * The ramp is not part of the measurement: server CPU and memory are taken only while all
 * streams are open ({@link OpenWindow}), and each stream's times start at its own connect.
 */
final class Load {
    private Load() {}

    /**
     * {@code asks} gives each new stream its request; it is called from every client's thread at
     * once. {@code routes} gives client {@code i} (0, 1, 2 …) the route all of its streams take.
     */
    static List<StreamResult> run(IntFunction<StreamClient.Route> routes, int clients, Supplier<Ask> asks, Duration duration,
                                  double rampPerSecond, StreamClient.Expect expect, OpenWindow window)
            throws InterruptedException {
        var futures = new ArrayList<Future<List<StreamResult>>>(clients);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            long begin = System.nanoTime();
            for (int i = 0; i < clients; i++) {
                long due = begin + (long) (i * 1e9 / rampPerSecond);
                for (long wait; (wait = due - System.nanoTime()) > 0; ) LockSupport.parkNanos(wait);
                StreamClient.Route route = routes.apply(i);
                futures.add(threads.submit(() -> client(route, asks, duration.toNanos(), expect, window)));
            }
        } // close() waits for every client to finish
        var results = new ArrayList<StreamResult>();
        for (var f : futures) {
            try {
                results.addAll(f.get());
            } catch (ExecutionException e) {
                throw new IllegalStateException("a client never throws", e.getCause());
            }
        }
        return results;
    }

    /** One client: streams one after another until the next would not end within the duration. */
    private static List<StreamResult> client(StreamClient.Route route, Supplier<Ask> asks, long durationNanos,
                                             StreamClient.Expect expect, OpenWindow window) {
        var results = new ArrayList<StreamResult>();
        boolean[] opened = {false};
        long start = System.nanoTime();
        try {
            while (true) {
                long streamStart = System.nanoTime();
                var stream = new StreamClient(route, asks.get(), expect, window, () -> {
                    if (!opened[0]) {
                        opened[0] = true;
                        window.opened();
                    }
                });
                StreamResult result = stream.run();
                results.add(result);
                long now = System.nanoTime();
                // The last stream's length predicts the next one's: the demo answers every chat stream alike
                // (research runs differ by input, but not by much; a client always reads at least one).
                if (result.failed() || now + (now - streamStart) - start > durationNanos) return results;
            }
        } finally {
            if (!opened[0]) window.failedBeforeOpening();
            window.ended();
        }
    }
}
