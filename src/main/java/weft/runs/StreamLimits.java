package weft.runs;

import weft.auth.Principal;
import weft.store.Ids;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds on open SSE streams: this instance's ({@code WEFT_MAX_STREAMS}, {@code 503}), each
 * user's across instances ({@code WEFT_MAX_STREAMS_PER_USER}, {@code 429}), and the followers
 * of one run on this instance ({@code WEFT_MAX_FOLLOWERS_PER_RUN}, {@code 429}). A stream
 * holds a {@link Stream} from before its first byte until it ends, whichever way it ends.
 */
public final class StreamLimits {
    private static final long RETRY_SECONDS = 5;

    public record Settings(int maxStreams, int maxFollowersPerRun) {}

    private final Settings settings;
    private final Places perUser;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentMap<String, Integer> followers = new ConcurrentHashMap<>();

    public StreamLimits(Settings settings, Places perUser) {
        this.settings = settings;
        this.perUser = perUser;
    }

    /** Opens a stream for the caller, or throws a {@link Refusal} naming the limit it would pass. */
    public Stream open(Principal caller) {
        if (open.incrementAndGet() > settings.maxStreams()) {
            open.decrementAndGet();
            throw new Refusal(Refusal.Kind.OVERLOADED, "this server has its limit of " + settings.maxStreams()
                    + " streams open (WEFT_MAX_STREAMS); try again shortly or on another instance", 1);
        }
        String holder = Ids.newId("s_");
        boolean placed = false;
        try {
            placed = perUser.claim(caller.limitKey(), holder);
        } finally {
            if (!placed) open.decrementAndGet();
        }
        if (!placed) throw new Refusal(Refusal.Kind.RATE_LIMITED, UserLimits.who(caller) + " already has "
                + perUser.max() + " streams open; the limit is " + perUser.max()
                + " (WEFT_MAX_STREAMS_PER_USER): close one first", RETRY_SECONDS);
        return new Stream(holder);
    }

    /** Streams open on this instance. */
    public int open() {
        return open.get();
    }

    /** Runs followed by a stream of this instance. */
    public int followedRuns() {
        return followers.size();
    }

    /** One open stream's places; closing it more than once gives them back once. */
    public final class Stream implements AutoCloseable {
        private final String holder;
        private String run;
        private boolean closed;

        private Stream(String holder) {
            this.holder = holder;
        }

        /** The stream follows this run (once), if the run has fewer followers here than its limit. */
        public synchronized void follow(String runId) {
            if (run != null) throw new IllegalStateException("a stream follows one run");
            boolean[] full = {false};
            followers.compute(runId, (id, n) -> {
                int now = n == null ? 0 : n;
                if (now >= settings.maxFollowersPerRun()) {
                    full[0] = true;
                    return n;
                }
                return now + 1;
            });
            if (full[0]) throw new Refusal(Refusal.Kind.RATE_LIMITED, "run " + runId + " has "
                    + settings.maxFollowersPerRun() + " followers on this instance; the limit is "
                    + settings.maxFollowersPerRun() + " (WEFT_MAX_FOLLOWERS_PER_RUN)", RETRY_SECONDS);
            run = runId;
        }

        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            if (run != null) followers.computeIfPresent(run, (id, n) -> n <= 1 ? null : n - 1);
            perUser.release(holder);
            open.decrementAndGet();
        }
    }
}
