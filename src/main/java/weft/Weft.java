package weft;

import com.sun.net.httpserver.HttpServer;
import weft.providers.Providers;
import weft.runs.HeldPlaces;
import weft.runs.LeaseKeeper;
import weft.runs.Runs;
import weft.store.Stores;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

/** A running server, as {@link Main#start} returns it: its port, and how to stop it well. */
public record Weft(String instance, HttpServer server, Runs runs, Providers providers, Stores stores,
                   LeaseKeeper leases, HeldPlaces places, ScheduledExecutorService timers, ExecutorService handlers,
                   Duration shutdownGrace) {

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code https} when it serves TLS, else {@code http}. */
    public String scheme() {
        return server instanceof com.sun.net.httpserver.HttpsServer ? "https" : "http";
    }

    /**
     * Stops accepting connections at once, lets running runs finish within the grace period,
     * cancels the rest so that every open stream still ends with {@code done}, then waits for
     * those streams to close. Returns within the grace period plus about two seconds.
     */
    public void shutdown() {
        int streamsWait = (int) shutdownGrace.toSeconds() + 2;
        Thread stopper = Thread.ofPlatform().name("weft http stop").start(() -> server.stop(streamsWait));
        runs.shutdown(shutdownGrace);
        try {
            stopper.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        leases.close();
        timers.shutdownNow();
        places.releaseAll(); // what a run or stream still held, lest it wait for its lease in a shared store
        handlers.shutdownNow();
        try {
            stores.close().close();
        } catch (Exception e) {
            System.getLogger("weft").log(System.Logger.Level.WARNING, "closing the stores failed: " + e);
        }
    }
}
