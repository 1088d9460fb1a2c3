package weft.redis;

import redis.clients.jedis.params.ZAddParams;
import redis.clients.jedis.params.ZRangeParams;
import weft.providers.Usage;
import weft.store.RunRecord;
import weft.store.RunStatus;
import weft.store.RunStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Run records as Redis hashes. A running run's record and event stream live as long as the
 * longest a run may run; the instance that executes it renews that with its lease. Ending a
 * run is one script: it checks the status is still {@code running} (the compare-and-set),
 * writes the ending, gives the record and the stream their retention time, and evicts the
 * oldest ended runs beyond the cap. The keys expire at the ending's time plus the retention,
 * the same instant the index counts from, so a run the count has let go of is also gone.
 */
final class RedisRunStore implements RunStore {
    private static final String END = """
            if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
            redis.call('HSET', KEYS[1], 'status', ARGV[1], 'output', ARGV[2], 'input_tokens', ARGV[3],
                'output_tokens', ARGV[4], 'estimated', ARGV[5], 'ended_at', ARGV[6], 'done_seq', ARGV[7])
            redis.call('PEXPIREAT', KEYS[1], ARGV[12])
            redis.call('PEXPIREAT', KEYS[2], ARGV[12])
            redis.call('ZREM', KEYS[3], ARGV[9])
            redis.call('ZADD', KEYS[4], ARGV[6], ARGV[9])
            redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. (tonumber(ARGV[6]) - tonumber(ARGV[8])))
            local over = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[10])
            if over > 0 then
              for i, id in ipairs(redis.call('ZPOPMIN', KEYS[4], over)) do
                if i % 2 == 1 then redis.call('DEL', ARGV[11] .. 'run:' .. id, ARGV[11] .. 'events:' .. id) end
              end
            end
            return 1
            """;

    private final Redis redis;
    private final Keys keys;
    private final long retentionMillis;
    private final long runningTtlMillis;
    private final int maxEnded;

    RedisRunStore(Redis redis, Duration retention, Duration runningTtl, int maxEnded) {
        this.redis = redis;
        this.keys = redis.keys;
        this.retentionMillis = retention.toMillis();
        this.runningTtlMillis = runningTtl.toMillis();
        this.maxEnded = maxEnded;
    }

    @Override
    public void create(RunRecord r) {
        var fields = new HashMap<String, String>();
        fields.put("owner", r.owner());
        if (r.hasSession()) fields.put("session_id", r.sessionId());
        fields.put("workflow", r.workflow());
        fields.put("input", r.input());
        fields.put("status", r.status().wire());
        fields.put("created_at", Long.toString(r.createdAt()));
        fields.put("instance", r.instance());
        if (r.echo() != null) fields.put("echo", r.echo());
        redis.call(c -> {
            try (var p = c.pipelined()) {
                p.hset(keys.run(r.id()), fields);
                p.pexpire(keys.run(r.id()), runningTtlMillis);
                p.zadd(keys.leases(), r.leaseUntil(), r.id());
                p.sync();
            }
            return null;
        });
    }

    @Override
    public Optional<RunRecord> find(String runId) {
        Map<String, String> h = redis.call(c -> c.hgetAll(keys.run(runId)));
        if (h.isEmpty() || h.get("owner") == null) return Optional.empty();
        return Optional.of(parse(runId, h));
    }

    /**
     * A record as stored; one with fields that are not Weft's (another program wrote under the
     * prefix) reads as a failed run rather than a crash.
     */
    private static RunRecord parse(String id, Map<String, String> h) {
        try {
            RunStatus status = RunStatus.valueOf(h.get("status").toUpperCase(Locale.ROOT));
            var usage = new Usage(longOf(h, "input_tokens"), longOf(h, "output_tokens"), "1".equals(h.get("estimated")));
            return new RunRecord(id, h.get("owner"), h.get("session_id"), h.get("workflow"), h.getOrDefault("input", ""),
                    status, h.get("output"), usage, Long.parseLong(h.get("created_at")), longOf(h, "ended_at"),
                    h.get("instance"), 0, longOf(h, "done_seq"), h.get("echo"));
        } catch (RuntimeException notWefts) {
            return new RunRecord(id, h.get("owner"), h.getOrDefault("session_id", ""), h.getOrDefault("workflow", ""), "",
                    RunStatus.FAILED, "", Usage.ZERO, 0, 0, h.getOrDefault("instance", ""), 0, 0, null);
        }
    }

    private static long longOf(Map<String, String> h, String field) {
        String v = h.get(field);
        return v == null ? 0 : Long.parseLong(v);
    }

    @Override
    public boolean end(String runId, RunRecord.Ending e) {
        Object won = redis.call(c -> c.eval(END, List.of(keys.run(runId), keys.events(runId), keys.leases(), keys.ended()),
                List.of(e.status().wire(), e.output(), Long.toString(e.usage().inputTokens()),
                        Long.toString(e.usage().outputTokens()), e.usage().estimated() ? "1" : "0",
                        Long.toString(e.endedAt()), Long.toString(e.doneSeq()), Long.toString(retentionMillis), runId,
                        Integer.toString(maxEnded), keys.prefix(), Long.toString(e.endedAt() + retentionMillis))));
        return Long.valueOf(1).equals(won);
    }

    @Override
    public void renewLeases(String instance, Collection<String> runIds, long leaseUntil) {
        redis.call(c -> {
            try (var p = c.pipelined()) {
                for (String id : runIds) {
                    p.zadd(keys.leases(), leaseUntil, id, ZAddParams.zAddParams().xx());
                    p.pexpire(keys.run(id), runningTtlMillis);
                    p.pexpire(keys.events(id), runningTtlMillis);
                }
                p.sync();
            }
            return null;
        });
    }

    @Override
    public List<RunRecord> expiredLeases(long now, int max) {
        List<String> ids = redis.call(c -> c.zrange(keys.leases(),
                ZRangeParams.zrangeByScoreParams(Double.NEGATIVE_INFINITY, now).limit(0, max)));
        var lost = new ArrayList<RunRecord>();
        for (String id : ids) {
            var record = find(id);
            if (record.isPresent() && record.get().running()) {
                lost.add(record.get().leasedUntil(now));
            } else {
                redis.call(c -> c.zrem(keys.leases(), id)); // its record is gone or ended: nothing to rescue
            }
        }
        return lost;
    }

    /** Runs held: running ones (by lease) and ended ones within their retention (by the cap index). */
    long retained() {
        long since = System.currentTimeMillis() - retentionMillis;
        return redis.call(c -> c.zcard(keys.leases()) + c.zcount(keys.ended(), Long.toString(since), "+inf"));
    }

    /** Drops index entries of runs whose keys have expired (their retention is over). */
    void sweep() {
        long since = System.currentTimeMillis() - retentionMillis;
        redis.call(c -> c.zremrangeByScore(keys.ended(), "-inf", "(" + since));
    }
}
