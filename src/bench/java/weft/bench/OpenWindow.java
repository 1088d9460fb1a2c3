package weft.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Marks the stretch of a level during which all of its streams are open: it begins when the
 * last client has its first response headers and ends when the first client is done. Server
 * CPU and memory are measured over exactly this stretch, so neither the ramp (accepting
 * connections, starting runs) nor the tail (streams finishing one by one) is part of the figure.
 * (A client whose stream ends early starts its next at once, see {@link Load}.)
 *
 * <p>It also hears of the level's first trouble (an error or a stall), so that evidence can be
 * taken from the server while the trouble is happening.
 *
 * <p>Clients report to it from their own threads; the meter waits on it from another.
 */
final class OpenWindow {
    private final CountDownLatch settled;   // one count per stream: opened, or failed before opening
    private final CountDownLatch firstEnd = new CountDownLatch(1);
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder deltas = new LongAdder();
    private final LongAdder events = new LongAdder();
    private volatile boolean endedBeforeAllOpen;
    private final CompletableFuture<String> trouble = new CompletableFuture<>();

    OpenWindow(int streams) {
        settled = new CountDownLatch(streams);
    }

    /** A client's first stream has its 200 response headers. */
    void opened() {
        open.incrementAndGet();
        settled.countDown();
    }

    /** A client failed before its first stream opened: it will never be open, so stop waiting for it. */
    void failedBeforeOpening() {
        settled.countDown();
    }

    /** A client is done (its last stream ended), one way or another. */
    void ended() {
        if (settled.getCount() > 0) endedBeforeAllOpen = true;
        firstEnd.countDown();
    }

    /** True while every client has a stream open (the window has begun and not yet ended). */
    boolean isOpen() {
        return settled.getCount() == 0 && firstEnd.getCount() > 0;
    }

    /** A delta arrived, on any stream. */
    void delta() {
        deltas.increment();
    }

    /** An event of any type (a delta included) arrived, on any stream. */
    void event() {
        events.increment();
    }

    /** An error or a stall; only the first one is kept. */
    void trouble(String what) {
        trouble.complete(what);
    }

    /** Completes with the first trouble, or with null when {@link #over()} is called first. */
    CompletableFuture<String> firstTrouble() {
        return trouble;
    }

    /** The level is over: whoever waits for trouble may stop. */
    void over() {
        trouble.complete(null);
    }

    long deltas() {
        return deltas.sum();
    }

    long events() {
        return events.sum();
    }

    int openStreams() {
        return open.get();
    }

    /** True when a stream ended before the last one opened: there was no moment with all open. */
    boolean endedBeforeAllOpen() {
        return endedBeforeAllOpen;
    }

    boolean awaitAllOpen(Duration timeout) throws InterruptedException {
        return settled.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    boolean awaitFirstEnd(Duration timeout) throws InterruptedException {
        return firstEnd.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
}
