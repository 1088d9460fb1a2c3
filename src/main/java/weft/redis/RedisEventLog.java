package weft.redis;

import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.resps.StreamEntry;
import weft.events.LoggedEvent;
import weft.store.EventLog;
import weft.store.RunLog;

import java.time.Duration;
import java.util.List;

/**
 * Runs' events as one Redis Stream per run, entry ids {@code 0-<seq>}, so that a resume after
 * {@code Last-Event-ID: N} is {@code XRANGE key (0-N +}. A follower first reads what is stored
 * after its position; when it has caught up it waits on the run's {@link Tail}, which this
 * instance's writer (for its own runs) or its one stream reader (for the others') feeds with
 * what Redis has stored. A follower of a run that executes elsewhere first marks the run as
 * watched, which is what makes the run's writer put its events on its feed.
 */
final class RedisEventLog implements EventLog, AutoCloseable {
    private static final int PAGE = 1000;

    private final Redis redis;
    private final Tails tails;
    private final EventWriter writer;
    private final StreamReader reader;
    private final long runningTtlMillis;

    RedisEventLog(Redis redis, Duration runningTtl, String instance, weft.store.Wakeups wakeups) {
        this.tails = new Tails(wakeups);
        this.runningTtlMillis = runningTtl.toMillis();
        this.redis = redis;
        this.writer = new EventWriter(redis, tails, runningTtl.toMillis(), instance);
        this.reader = new StreamReader(redis, tails);
    }

    @Override
    public RunLog create(String runId) {
        tails.startsHere(runId);
        return new RedisRunLog(runId, eventsKey(runId), 0, writer, null);
    }

    @Override
    public RunLog reopen(String runId, long lastSeq) {
        // Followers elsewhere read the run through its record's instance's feed (an instance
        // that takes a run over leaves the record's instance as it was), so what is written
        // from here on goes there too, and they need not wait for a heartbeat to see it.
        String owner = redis.call(c -> c.hget(redis.keys.run(runId), "instance"));
        tails.writesHere(runId);
        return new RedisRunLog(runId, eventsKey(runId), lastSeq, writer, owner == null ? null : redis.keys.feed(owner));
    }

    /**
     * A follower that has caught up waits on the run's tail without asking Redis: the tail hears
     * of every event as soon as it is stored. Redis is read when the tail does not hold what the
     * follower needs (it is further behind, or a gap), and once per quiet wait, which also finds
     * an event stored just before the tail existed. A run that starts here has its tail from
     * the start; the first follower here of a run executing elsewhere marks it watched and
     * reads its stream in one round trip.
     */
    @Override
    public List<LoggedEvent> after(String runId, long seq, Duration wait) throws InterruptedException {
        // A look that does not wait is at what Redis holds now: a tail can be behind it (a feed
        // entry lost with the instance that wrote it), and the taker of a lost run numbers its
        // ending after the stream's real last event.
        if (wait.isZero()) return range(runId, seq);
        Tail tail = tails.find(runId).orElse(null);
        List<LoggedEvent> held = tail == null ? null : tail.after(seq);
        if (held != null && !held.isEmpty()) return held;
        if (held == null) {
            if (tail == null) {
                // The tail is in place before the stream is read, so an event stored from then on
                // reaches it (from the writer here, or from the feed once the run is marked), and
                // each one before is in the range.
                tail = tails.watch(runId, seq);
                List<LoggedEvent> stored;
                if (tails.writtenHere(runId)) {
                    stored = range(runId, seq);
                } else {
                    Watch watch;
                    try {
                        watch = markWatched(runId, seq);
                    } catch (RuntimeException unmarked) {
                        tails.drop(tail);
                        throw unmarked;
                    }
                    tails.readFrom(tail, watch.feedFrom(), reader::wake);
                    stored = watch.stored();
                }
                if (!stored.isEmpty()) {
                    tail.deliver(stored);
                    return stored;
                }
            } else {
                List<LoggedEvent> stored = range(runId, seq);
                if (!stored.isEmpty()) return stored;
            }
        }
        if (!tail.awaitBeyond(seq, wait.toNanos())) return range(runId, seq);
        held = tail.after(seq);
        return held != null ? held : range(runId, seq);
    }

    private byte[] eventsKey(String runId) {
        return redis.keys.events(runId).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Where the stream reader starts the feed for a newly watched run, and what was stored when it was marked. */
    private record Watch(StreamEntryID feedFrom, List<LoggedEvent> stored) {}

    /**
     * Marks a run executing elsewhere as watched, so that its writer puts it on its feed, and in
     * the same round trip reads what its stream holds after {@code seq}: an event stored after
     * the mark goes on the feed, one stored before is in the range. Also returns the feed position
     * just before the mark by Redis's own clock: a feed entry that can hold an event stored after
     * the mark comes later, so a reader that starts there (and not at the feed's end when it
     * gets round to it) misses none.
     */
    private Watch markWatched(String runId, long seq) {
        String key = redis.keys.events(runId);
        record Answers(List<String> time, List<StreamEntry> entries) {}
        Answers answers;
        try {
            answers = redis.call(c -> {
                try (Pipeline pipe = c.pipelined()) { // closing it gives the connection back to the pool
                    Response<List<String>> time = pipe.time(); // seconds, microseconds
                    pipe.psetex(redis.keys.watched(runId), runningTtlMillis, "1");
                    Response<List<StreamEntry>> entries = pipe.xrange(key, "(0-" + seq, "+", PAGE);
                    pipe.sync();
                    return new Answers(time.get(), entries.get());
                }
            });
        } catch (JedisDataException notAStream) {
            throw new CorruptLog("key " + key + " is not a stream of Weft's events: " + notAStream.getMessage());
        }
        long millis = Long.parseLong(answers.time().get(0)) * 1000 + Long.parseLong(answers.time().get(1)) / 1000;
        return new Watch(new StreamEntryID(millis - 1, 0), StreamReader.parse(runId, answers.entries()));
    }

    /** Up to a page of the stored events after {@code seq}. */
    private List<LoggedEvent> range(String runId, long seq) {
        String key = redis.keys.events(runId);
        List<StreamEntry> entries;
        try {
            entries = redis.call(c -> c.xrange(key, "(0-" + seq, "+", PAGE));
        } catch (JedisDataException notAStream) {
            throw new CorruptLog("key " + key + " is not a stream of Weft's events: " + notAStream.getMessage());
        }
        return StreamReader.parse(runId, entries);
    }

    @Override
    public void delete(String runId) {
        tails.writesEnded(runId);
        redis.call(c -> c.del(redis.keys.events(runId)));
    }

    @Override
    public void close() {
        reader.close();
        writer.close();
    }
}
