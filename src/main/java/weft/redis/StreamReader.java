package weft.redis;

import redis.clients.jedis.Protocol;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;
import weft.events.LoggedEvent;
import weft.store.EventLog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one loop per instance that reads the event streams of runs executing elsewhere: a
 * blocking {@code XREAD} over every run that followers here wait for, fanned out to their
 * {@link Tail}s. N followers of M remote runs cost this instance one connection, not N.
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
                    LOG.log(System.Logger.Level.DEBUG, "stream reader lost Redis, retrying: " + e.getMessage());
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

    /** The watched runs' stream keys, rebuilt only when the set of watched runs changes. */
    private Map<String, Tail> byKey = Map.of();
    private long builtFor = -1;

    private void readOnce(Jedis jedis) throws InterruptedException {
        tails.sweepIdle();
        long version = tails.version();
        if (version != builtFor || byKey.isEmpty()) {
            List<Tail> watched = tails.remote();
            if (watched.isEmpty()) {
                byKey = Map.of();
                tails.awaitRemote(BLOCK_MILLIS);
                return;
            }
            var keys = new HashMap<String, Tail>();
            for (Tail t : watched) keys.put(redis.keys.events(t.runId), t);
            byKey = keys;
            builtFor = version;
        }
        var streams = new HashMap<String, StreamEntryID>(byKey.size() * 2);
        byKey.forEach((key, t) -> streams.put(key, new StreamEntryID(0, t.tip())));
        List<Map.Entry<String, List<StreamEntry>>> read;
        try {
            blocked = true;
            read = jedis.xread(XReadParams.xReadParams().block(BLOCK_MILLIS).count(512), streams);
        } catch (JedisDataException notAStream) {
            if (String.valueOf(notAStream.getMessage()).startsWith("UNBLOCKED")) return;
            failForeign(jedis, byKey);
            return;
        } finally {
            blocked = false;
        }
        if (read == null) return;
        for (var stream : read) {
            Tail tail = byKey.get(stream.getKey());
            try {
                tail.deliver(parse(tail.runId, stream.getValue()));
                if (tail.ended()) tails.ended();
            } catch (EventLog.CorruptLog corrupt) {
                tail.corrupt(corrupt);
                tails.ended();
            }
        }
    }

    /** One of the watched keys is not a stream (another program wrote it): fail its followers, keep the rest. */
    private void failForeign(Jedis jedis, Map<String, Tail> byKey) {
        byKey.forEach((key, tail) -> {
            String type = jedis.type(key);
            if (!"stream".equals(type) && !"none".equals(type)) {
                tail.corrupt(new EventLog.CorruptLog("key " + key + " is a " + type + ", not a stream of Weft's events"));
                tails.ended();
            }
        });
    }

    static List<LoggedEvent> parse(String runId, List<StreamEntry> entries) {
        var events = new ArrayList<LoggedEvent>(entries.size());
        long now = System.nanoTime();
        for (StreamEntry entry : entries) {
            String json = entry.getFields().get("e");
            if (json == null) throw new EventLog.CorruptLog("entry " + entry.getID() + " has no field 'e'");
            LoggedEvent e;
            try {
                e = weft.events.EventJson.parse(runId, json.getBytes(java.nio.charset.StandardCharsets.UTF_8), now);
            } catch (weft.events.EventJson.NotAnEvent bad) {
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
