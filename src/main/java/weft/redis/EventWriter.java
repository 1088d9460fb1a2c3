package weft.redis;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;
import weft.events.EventJson;
import weft.events.LoggedEvent;
import weft.store.StoreUnavailable;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Stores the events of the runs this instance executes. Runs hand events over without
 * waiting; one thread takes whatever has queued up, of every run (waiting half a millisecond
 * for more when little has), and sends it to Redis as one pipeline: one round trip per batch,
 * not per delta, and never one on a run's thread.
 * Only once Redis has a batch are its events handed to followers here, so no follower ever
 * sees an event that a crash could take back. If Redis does not answer, the batch is tried
 * again, in order, until it does.
 *
 * <p>Each event goes in with the explicit entry id {@code 0-<seq>}: Redis refuses an id that is
 * not above the stream's last, so if another instance has already ended the run (its lease
 * ran out), this instance's late events are refused rather than interleaved.
 */
final class EventWriter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("weft");
    private static final int BATCH = 1024;
    /**
     * A writer that wakes to fewer than {@link #GATHER} events lets the next ones join them for
     * this long before its round trip: a delta waits at most half a millisecond more, and at a
     * hundred streams a round trip carries three times as many (see the README's measurements).
     */
    private static final long LINGER_NANOS = 500_000;
    private static final int GATHER = 16;
    private static final long FEED_LENGTH = 1_000;
    private static final long FEED_TTL_MILLIS = 3_600_000;
    /** The one field of a stream entry: the event's JSON line. */
    private static final byte[] FIELD = {'e'};

    record Pending(RedisRunLog log, LoggedEvent event) {}

    private final Redis redis;
    private final Tails tails;
    private final long runningTtlMillis;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(100_000);
    private final Thread thread;
    private volatile boolean closed;
    /**
     * The writer's own connection: were it to queue for a pooled one behind a burst of
     * requests (a thousand runs starting at once), every run's events would wait with it.
     */
    private Jedis connection;
    /** Used for every batch on that connection: a pipeline is empty again after each sync. */
    private Pipeline pipe;

    private final String feed;
    /** The writer's connection for its feed, on which Redis sends no replies; null until needed. */
    private FeedConnection feedConnection;

    EventWriter(Redis redis, Tails tails, long runningTtlMillis, String instance) {
        this.feed = redis.keys.feed(instance);
        this.redis = redis;
        this.tails = tails;
        this.runningTtlMillis = runningTtlMillis;
        this.thread = Thread.ofPlatform().daemon().name("weft redis writer").start(this::loop);
    }

    /** Queues an event; blocks only when Redis has been away long enough for the queue to fill. */
    void enqueue(RedisRunLog log, LoggedEvent event) {
        var pending = new Pending(log, event);
        // offer first: put gives up on an interrupted thread even when there is room, and the
        // delta a cancel interrupts is one its agent's clients may already be waiting for.
        if (queue.offer(pending)) return;
        try {
            queue.put(pending);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while queueing an event", e);
        }
    }

    private void loop() {
        var batch = new ArrayList<Pending>(BATCH);
        while (!closed) {
            try {
                batch.add(queue.take());
                if (queue.size() < GATHER) LockSupport.parkNanos(LINGER_NANOS);
                queue.drainTo(batch, BATCH - 1);
                writeUntilStored(batch);
            } catch (InterruptedException e) {
                break;
            } finally {
                batch.clear();
            }
        }
        closeConnection();
        closeFeedConnection();
    }

    private void writeUntilStored(List<Pending> batch) throws InterruptedException {
        long backoff = 50;
        boolean retried = false;
        while (true) {
            try {
                write(batch);
                return;
            } catch (StoreUnavailable down) {
                if (!retried) { // the pool has dropped its old connections: one more try on a fresh one
                    retried = true;
                    continue;
                }
                LOG.log(System.Logger.Level.DEBUG, "event writer: " + down.getMessage());
                for (Pending p : batch) {
                    p.log().failed(down);
                    tails.find(p.log().runId()).ifPresent(t -> t.fail(down));
                }
                if (closed) return;
                Thread.sleep(backoff);
                backoff = Math.min(2000, backoff * 2);
            }
        }
    }

    private void write(List<Pending> batch) {
        // Each event's JSON goes to Redis as the bytes it was rendered in: no String on the way.
        var lines = new ArrayList<byte[]>(batch.size());
        for (Pending p : batch) lines.add(EventJson.render(p.log().runId(), p.event()));
        var answers = new ArrayList<Response<byte[]>>(batch.size());
        List<String> runs;
        Response<List<String>> watched;
        try {
            if (connection == null) {
                connection = redis.dedicated();
                pipe = connection.pipelined();
            }
            for (int i = 0; i < batch.size(); i++) {
                Pending p = batch.get(i);
                byte[] key = p.log().eventsKey;
                answers.add(pipe.xadd(key, XAddParams.xAddParams().id(new StreamEntryID(0, p.event().seq())),
                        Map.of(FIELD, lines.get(i))));
                if (p.event().seq() == 1) pipe.pexpire(key, runningTtlMillis);
            }
            // Asked after the XADDs, in the same round trip: a follower elsewhere marks the run
            // before it reads the run's stream, so each event is in what it read or on the feed.
            runs = batch.stream().map(p -> p.log().runId()).distinct().toList();
            watched = pipe.mget(runs.stream().map(redis.keys::watched).toArray(String[]::new));
            for (Pending p : batch) if (p.event().isDone()) pipe.del(redis.keys.watched(p.log().runId()));
            pipe.sync();
        } catch (JedisException broken) { // whatever it was, the pipeline may hold unread answers: start afresh
            closeConnection();
            throw broken instanceof JedisDataException refused ? refused : redis.unavailable(broken);
        }
        var stored = new LinkedHashMap<RedisRunLog, List<LoggedEvent>>();
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            try {
                answers.get(i).get();
                stored.computeIfAbsent(p.log(), l -> new ArrayList<>()).add(p.event());
            } catch (JedisDataException refused) {
                if (alreadyStored(p, lines.get(i))) {
                    stored.computeIfAbsent(p.log(), l -> new ArrayList<>()).add(p.event());
                } else {
                    p.log().takenOver("Redis refused event " + p.event().seq() + ": " + refused.getMessage());
                }
            }
        }
        var watchedElsewhere = new HashSet<String>();
        List<String> marks = watched.get();
        for (int i = 0; i < runs.size(); i++) if (marks.get(i) != null) watchedElsewhere.add(runs.get(i));
        announce(stored, watchedElsewhere, batch, lines);
        stored.forEach((log, events) -> {
            log.stored(events.getLast().seq());
            tails.find(log.runId()).ifPresent(t -> t.deliver(events));
            if (events.getLast().isDone()) tails.writesEnded(log.runId());
        });
    }

    /**
     * Puts what was just stored of the runs {@code watched} elsewhere on this instance's feed
     * (a run taken over from a lost instance: on the feed its followers elsewhere read), for
     * their followers on other instances; a run nobody follows elsewhere costs the feed
     * nothing. It comes after the batch's round trip on purpose: the feed names only events the
     * run's stream took, so no follower anywhere sees an event Redis refused. It costs no
     * second wait: Redis sends no reply on the feed connection. A feed entry lost with a
     * connection costs nothing but time: a follower that misses one notices the gap, or its
     * quiet wait ends, and it reads the run's stream.
     */
    private void announce(Map<RedisRunLog, List<LoggedEvent>> stored, Set<String> watched, List<Pending> batch,
                          List<byte[]> lines) {
        if (stored.isEmpty() || watched.isEmpty()) return;
        // By feed (nearly always this instance's), then by run.
        var perFeed = new HashMap<String, Map<String, ByteArrayOutputStream>>();
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            if (!stored.containsKey(p.log()) || !watched.contains(p.log().runId())) continue;
            var perRun = perFeed.computeIfAbsent(p.log().feed == null ? feed : p.log().feed, f -> new HashMap<>());
            var runLines = perRun.computeIfAbsent(p.log().runId(), id -> new ByteArrayOutputStream(256));
            if (runLines.size() > 0) runLines.write('\n');
            runLines.writeBytes(lines.get(i));
        }
        try {
            if (feedConnection == null) feedConnection = redis.feedConnection(FEED_LENGTH, FEED_TTL_MILLIS);
            perFeed.forEach((feedKey, perRun) -> {
                var fields = new HashMap<byte[], byte[]>();
                perRun.forEach((run, text) -> fields.put(run.getBytes(StandardCharsets.UTF_8), text.toByteArray()));
                feedConnection.add(feedKey.getBytes(StandardCharsets.UTF_8), fields);
            });
        } catch (JedisException | StoreUnavailable lost) {
            // The events are stored; followers elsewhere find them in the runs' streams.
            closeFeedConnection();
        }
    }

    /**
     * Whether a refused entry is this writer's own, stored by an earlier try of the same batch
     * whose answer was lost with the connection.
     */
    private boolean alreadyStored(Pending p, byte[] line) {
        var id = new StreamEntryID(0, p.event().seq());
        var entries = redis.call(c -> c.xrange(redis.keys.events(p.log().runId()), id, id));
        return entries.size() == 1 && new String(line, StandardCharsets.UTF_8).equals(entries.getFirst().getFields().get("e"));
    }

    private void closeFeedConnection() {
        closeQuietly(feedConnection);
        feedConnection = null;
    }

    private void closeConnection() {
        closeQuietly(connection);
        connection = null;
        pipe = null;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception alreadyBroken) {
            // Nothing to let go of.
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
