package weft.redis;

import redis.clients.jedis.params.ZAddParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.json.Jackson;
import weft.store.Ids;
import weft.store.Session;
import weft.store.SessionStore;
import weft.store.StoredMessage;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sessions in Redis: a hash for the owner and a list of the messages as JSON, both expiring
 * when the session has not been used for its time to live. Appending a turn is one script
 * that pushes both messages at once (a session never holds half a turn) and does nothing
 * to a session deleted meanwhile. Beyond the cap, the least recently used sessions go.
 *
 * <p>A use stamps one instant, from this instance's clock, on both the index and the keys: they
 * expire at that instant plus the time to live ({@code PEXPIREAT}), not at a time to live counted
 * from whenever Redis ran the command. So a session the count has let go of is also gone.
 */
final class RedisSessionStore implements SessionStore {
    private static final ObjectMapper JSON = Jackson.mapper();
    private static final String APPEND = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
            for i = 4, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
            redis.call('PEXPIREAT', KEYS[1], ARGV[1])
            redis.call('PEXPIREAT', KEYS[2], ARGV[1])
            redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
            return 1
            """;
    /** Makes the session and keeps the cap: the oldest beyond it go, with their messages. */
    private static final String CREATE = """
            redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'created_at', ARGV[2])
            redis.call('PEXPIREAT', KEYS[1], ARGV[7])
            redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (tonumber(ARGV[2]) - tonumber(ARGV[3])))
            local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
            if over > 0 then
              for i, id in ipairs(redis.call('ZPOPMIN', KEYS[2], over)) do
                if i % 2 == 1 then redis.call('DEL', ARGV[6] .. 'session:' .. id, ARGV[6] .. 'session:' .. id .. ':messages') end
              end
            end
            return ARGV[1]
            """;
    /** The owner of a session there is, or of the one it makes now: one script, so two callers make one session. */
    private static final String FIND_OR_CREATE = """
            local owner = redis.call('HGET', KEYS[1], 'owner')
            if owner then return owner end
            """ + CREATE;

    private final Redis redis;
    private final Keys keys;
    private final long ttlMillis;
    private final int maxSessions;

    RedisSessionStore(Redis redis, Duration ttl, int maxSessions) {
        this.redis = redis;
        this.keys = redis.keys;
        this.ttlMillis = ttl.toMillis();
        this.maxSessions = maxSessions;
    }

    @Override
    public Session create(String owner) {
        var session = new Session(Ids.newId("s_"), owner, System.currentTimeMillis(), List.of());
        redis.call(c -> c.eval(CREATE, List.of(keys.session(session.id()), keys.sessions()), List.of(owner,
                Long.toString(session.createdAt()), Long.toString(ttlMillis), session.id(), Integer.toString(maxSessions),
                keys.prefix(), Long.toString(session.createdAt() + ttlMillis))));
        return session;
    }

    @Override
    public Optional<Session> findOrCreate(String sessionId, String owner) {
        long now = System.currentTimeMillis();
        Object holder = redis.call(c -> c.eval(FIND_OR_CREATE, List.of(keys.session(sessionId), keys.sessions()), List.of(owner,
                Long.toString(now), Long.toString(ttlMillis), sessionId, Integer.toString(maxSessions), keys.prefix(),
                Long.toString(now + ttlMillis))));
        if (!owner.equals(holder)) return Optional.empty();
        return find(sessionId); // renews it and reads its history
    }

    @Override
    public Optional<Session> find(String sessionId) {
        String head = keys.session(sessionId);
        String list = keys.messages(sessionId);
        long now = System.currentTimeMillis();
        var got = redis.call(c -> {
            try (var p = c.pipelined()) {
                var h = p.hgetAll(head);
                var m = p.lrange(list, 0, -1);
                p.pexpireAt(head, now + ttlMillis);
                p.pexpireAt(list, now + ttlMillis);
                p.zadd(keys.sessions(), now, sessionId, ZAddParams.zAddParams().xx());
                p.sync();
                return Map.entry(h.get(), m.get());
            }
        });
        Map<String, String> h = got.getKey();
        if (h.isEmpty() || h.get("owner") == null) return Optional.empty();
        var messages = new ArrayList<StoredMessage>();
        for (String json : got.getValue()) {
            StoredMessage m = message(json);
            if (m != null) messages.add(m);
        }
        long created;
        try {
            created = Long.parseLong(h.getOrDefault("created_at", "0"));
        } catch (NumberFormatException notWefts) {
            created = 0;
        }
        return Optional.of(new Session(sessionId, h.get("owner"), created, messages));
    }

    /** A stored message, or null for an entry that is not Weft's. */
    private static StoredMessage message(String json) {
        try {
            return weft.store.MessageJson.read(JSON.readTree(json));
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void append(String sessionId, List<StoredMessage> messages) {
        var args = new ArrayList<String>();
        long now = System.currentTimeMillis();
        args.add(Long.toString(now + ttlMillis));
        args.add(Long.toString(now));
        args.add(sessionId);
        for (StoredMessage m : messages) {
            var json = JSON.createObjectNode();
            weft.store.MessageJson.write(json, m);
            args.add(json.toString());
        }
        redis.call(c -> c.eval(APPEND, List.of(keys.session(sessionId), keys.messages(sessionId), keys.sessions()), args));
    }

    @Override
    public boolean delete(String sessionId) {
        return redis.call(c -> {
            long n = c.del(keys.session(sessionId), keys.messages(sessionId));
            c.zrem(keys.sessions(), sessionId);
            return n > 0;
        });
    }

    long size() {
        long since = System.currentTimeMillis() - ttlMillis;
        return redis.call(c -> c.zcount(keys.sessions(), Long.toString(since), "+inf"));
    }

    /** Drops index entries of sessions whose keys have expired. */
    void sweep() {
        long since = System.currentTimeMillis() - ttlMillis;
        redis.call(c -> c.zremrangeByScore(keys.sessions(), "-inf", "(" + since));
    }
}
