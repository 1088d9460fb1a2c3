package weft.redis;

import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import weft.config.Secrets;
import weft.store.StoreUnavailable;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * Weft's way into one Redis: a small pool of connections for short commands, and dedicated
 * connections for the few loops that block (the instance's one stream reader and its one
 * subscription). Every failure to reach Redis becomes a {@link StoreUnavailable}, which HTTP
 * answers with {@code 503} and a stream with an {@code error}; Redis's own errors (a
 * {@code WRONGTYPE} on a key another program wrote) stay {@link JedisDataException}s.
 */
final class Redis implements AutoCloseable {
    /** Short commands never hold a connection long; the writer and the blocking reads have their own. */
    static final int POOL_SIZE = 64;

    private final HostAndPort address;
    private final JedisClientConfig config;
    private final JedisClientConfig blockingConfig;
    private final RedisClient client;
    private final Secrets secrets;
    final Keys keys;
    private static final long SUSPICION_NANOS = Duration.ofSeconds(10).toNanos();
    private volatile boolean suspicious;
    private volatile long lastFailureNanos;

    Redis(String url, String prefix, String instance, Secrets secrets) {
        this.secrets = secrets;
        URI uri = URI.create(url);
        this.address = new HostAndPort(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
        var builder = DefaultJedisClientConfig.builder().resp2().clientName("weft-" + instance)
                .connectionTimeoutMillis(2000).socketTimeoutMillis(2000);
        if ("rediss".equals(uri.getScheme())) builder.sslOptions(SslOptions.builder().build());
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            if (!parts[0].isEmpty()) builder.user(decode(parts[0]));
            if (parts.length == 2) builder.password(decode(parts[1]));
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (path.length() > 1) builder.database(Integer.parseInt(path.substring(1)));
        this.config = builder.build();
        this.blockingConfig = DefaultJedisClientConfig.builder().from(config).socketTimeoutMillis(10_000).build();
        var pool = new ConnectionPoolConfig();
        pool.setMaxTotal(POOL_SIZE);
        pool.setMaxIdle(POOL_SIZE);
        pool.setMinIdle(0);
        pool.setMaxWait(Duration.ofSeconds(5));
        pool.setTestOnBorrow(false);
        this.client = RedisClient.builder().hostAndPort(address).clientConfig(config).poolConfig(pool).build();
        this.keys = new Keys(prefix);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /**
     * Runs commands on a pooled connection. When one connection breaks, the idle ones in the
     * pool are dropped too: after a Redis restart they are all dead, and each would otherwise
     * fail one request before the pool noticed.
     */
    <T> T call(Function<RedisClient, T> commands) {
        try {
            T result = commands.apply(client);
            if (suspicious && System.nanoTime() - lastFailureNanos > SUSPICION_NANOS) trust();
            return result;
        } catch (JedisDataException redisSaidNo) {
            throw redisSaidNo;
        } catch (JedisConnectionException broken) {
            distrust();
            throw unavailable(broken);
        } catch (JedisException exhausted) { // no connection free in time: busy, not broken
            throw unavailable(exhausted);
        }
    }

    /**
     * After a failure the pool's idle connections may all be dead (Redis restarted), so they
     * are dropped, and for a while every connection is checked with a PING before use; a
     * request never gets a connection that was dead before it came.
     */
    private void distrust() {
        lastFailureNanos = System.nanoTime();
        suspicious = true;
        var pool = (org.apache.commons.pool2.impl.GenericObjectPool<?>) client.getPool();
        pool.setTestOnBorrow(true);
        pool.clear();
    }

    private void trust() {
        suspicious = false;
        ((org.apache.commons.pool2.impl.GenericObjectPool<?>) client.getPool()).setTestOnBorrow(false);
    }

    StoreUnavailable unavailable(Exception cause) {
        // Clients see this message (a 503, /healthz): never the password, whatever Jedis put in it.
        return new StoreUnavailable(secrets.scrub("Redis at " + address + " does not answer: " + cause.getMessage()), cause);
    }

    /** {@code text} with the configured secrets masked, for Weft's own log lines about Redis. */
    String scrub(String text) {
        return secrets.scrub(text);
    }

    /** A connection of its own for a loop that blocks in Redis; its timeout outlasts the block. */
    Jedis dedicated() {
        return new Jedis(address, blockingConfig);
    }

    /** A connection for putting entries on feeds, which Redis does not answer on. */
    FeedConnection feedConnection(long maxLength, long ttlMillis) {
        try {
            return new FeedConnection(address, config, maxLength, ttlMillis);
        } catch (JedisException e) {
            throw unavailable(e);
        }
    }

    /** Empty when Redis answers a PING. */
    Optional<String> problem() {
        try {
            client.ping();
            return Optional.empty();
        } catch (JedisException stale) {
            distrust();
            try {
                client.ping(); // on a fresh connection: the first may have been one Redis closed when it restarted
                return Optional.empty();
            } catch (JedisException e) {
                return Optional.of(secrets.scrub("Redis at " + address + " does not answer (REDIS_URL): " + e.getMessage()));
            }
        }
    }

    String address() {
        return address.toString();
    }

    @Override
    public void close() {
        client.close();
    }
}
