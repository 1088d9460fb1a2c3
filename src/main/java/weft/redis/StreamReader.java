package weft.redis;

import redis.clients.jedis.Protocol;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;
import weft.events.EventJson;
import weft.events.LoggedEvent;
import weft.store.EventLog;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one loop per instance that follows runs executing elsewhere: a blocking {@code XREAD}
 * over the feeds of the instances that execute them (each instance's writer puts every batch
 * it stored on its feed), fanned out to the {@link Tail}s of the runs followers here wait for.
 * N followers of M remote runs cost this instance one connection, and each read costs Redis
 * one key per instance, not one per run.
 * When a follower starts waiting for a run the loop is not reading yet, {@link #wake} unblocks
 * the {@code XREAD} (with {@code CLIENT UNBLOCK} from another connection) so it starts at once.
 */
final class StreamReader implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("weft");
    private static final int BLOCK_MILLIS = 1000;

    private final Redis redis;
    private final Tails tails;
    private final Thread thread;
    private volatile boolean closed;
    private volatile long clientId = -1;
    private volatile boolean blocked;

    StreamReader(Redis redis, Tails tails) {
        this.redis = redis;
        this.tails = tails;
        this.thread = Thread.ofPlatform().daemon().name("weft redis reader").start(this::loop);
    }

    /** Makes a blocked read start again, so that a newly watched run is read at once. */
    @SuppressWarnings("deprecation") // the pooled client has no clientUnblock; the raw command is the same
    void wake() {
        long id = clientId;
        if (id < 0 || !blocked) return;
        try {
            redis.call(c -> c.sendCommand(Protocol.Command.CLIENT, "UNBLOCK", Long.toString(id)));
        } catch (RuntimeException e) {
            // The loop is reconnecting; it reads every watched run when it is back.
        }
    }

    /**
     * Reads until closed. A broken connection is replaced at once and reading goes on from
     * every tail's last event, so nothing is missed; only when Redis cannot be reached are
     * the waiting followers told (their streams end with an error they can resume after).
     */
    private void loop() {
        long backoff = 50;
        while (!closed) {
            try (Jedis jedis = redis.dedicated()) {
                clientId = jedis.clientId();
                backoff = 50;
                while (!closed) readOnce(jedis);
            } catch (JedisException e) {
                if (closed) return;
                clientId = -1;
                if (backoff > 50 || !reachable()) {
                    var down = redis.unavailable(e);
                    tails.all().stream().filter(t -> !t.local).forEach(t -> t.fail(down));
                    LOG.log(System.Logger.Level.DEBUG, "stream reader lost Redis, retrying: " + down.getMessage());
                    sleep(backoff);
                }
                backoff = Math.min(2000, backoff * 2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private boolean reachable() {
        try (Jedis probe = redis.dedicated()) {
            probe.ping();
            return true;
        } catch (JedisException e) {
            return false;
        }
    }

    /** The feeds read and where each was left off; the set is rebuilt only when the watched runs change. */
    private final Map<String, StreamEntryID> feeds = new HashMap<>();
    private long builtFor = -1;

    private void readOnce(Jedis jedis) throws InterruptedException {
        tails.sweepIdle();
        long version = tails.version();
        if (version != builtFor || feeds.isEmpty()) {
            List<Tail> watched = tails.remote();
            if (watched.isEmpty()) {
                feeds.clear();
                tails.awaitRemote(BLOCK_MILLIS);
                return;
            }
            var wanted = new HashMap<String, StreamEntryID>();
            for (Tail t : watched) {
                String owner = t.owner(() -> jedis.hget(redis.keys.run(t.runId), "instance"));
                if (owner == null) continue; // no record (yet): its followers read the run's stream when they wait in vain
                String feed = redis.keys.feed(owner);
                // A feed read for the first time starts where its earliest new tail was marked:
                // what came before is in the runs' streams, what came after may be for them.
                StreamEntryID at = feeds.get(feed);
                if (at == null) at = t.feedFrom();
                wanted.merge(feed, at, StreamReader::earlier);
            }
            feeds.clear();
            feeds.putAll(wanted);
            builtFor = version;
            if (feeds.isEmpty()) {
                tails.awaitRemote(BLOCK_MILLIS);
                return;
            }
        }
        List<Map.Entry<String, List<StreamEntry>>> read;
        try {
            blocked = true;
            read = jedis.xread(XReadParams.xReadParams().block(BLOCK_MILLIS).count(256), feeds);
        } catch (JedisDataException notAStream) {
            if (String.valueOf(notAStream.getMessage()).startsWith("UNBLOCKED")) return;
            throw notAStream;
        } finally {
            blocked = false;
        }
        if (read == null) return;
        for (var feed : read) {
            for (StreamEntry batch : feed.getValue()) {
                feeds.put(feed.getKey(), batch.getID());
                batch.getFields().forEach(this::deliver);
            }
        }
    }

    private static StreamEntryID earlier(StreamEntryID a, StreamEntryID b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** One run's part of a feed entry, for its tail if followers here wait for it. */
    private void deliver(String runId, String lines) {
        Tail tail = tails.find(runId).filter(t -> !t.local && !t.ended()).orElse(null);
        if (tail == null) return;
        try {
            long now = System.nanoTime();
            var events = new ArrayList<LoggedEvent>();
            for (String line : lines.split("\n")) {
                events.add(EventJson.parse(runId, line.getBytes(StandardCharsets.UTF_8), now));
            }
            tail.deliver(events);
            if (tail.ended()) tails.ended();
        } catch (EventJson.NotAnEvent bad) {
            tail.corrupt(new EventLog.CorruptLog("the feed holds a line that is not one of Weft's events: " + bad.getMessage()));
            tails.ended();
        }
    }

    static List<LoggedEvent> parse(String runId, List<StreamEntry> entries) {
        var events = new ArrayList<LoggedEvent>(entries.size());
        long now = System.nanoTime();
        for (StreamEntry entry : entries) {
            String json = entry.getFields().get("e");
            if (json == null) throw new EventLog.CorruptLog("entry " + entry.getID() + " has no field 'e'");
            LoggedEvent e;
            try {
                e = EventJson.parse(runId, json.getBytes(StandardCharsets.UTF_8), now);
            } catch (EventJson.NotAnEvent bad) {
                throw new EventLog.CorruptLog("entry " + entry.getID() + " is not one of Weft's events: " + bad.getMessage());
            }
            if (e.seq() != entry.getID().getSequence()) {
                throw new EventLog.CorruptLog("entry " + entry.getID() + " holds event " + e.seq());
            }
            events.add(e);
        }
        return events;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
