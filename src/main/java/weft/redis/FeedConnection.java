package weft.redis;

import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The writer's way onto its feed: a connection Redis does not answer on ({@code CLIENT REPLY
 * OFF}), so putting a batch on the feed is one write to the socket and no wait for a reply.
 * Nothing is lost by not hearing back: a feed entry that does not arrive only makes a
 * follower elsewhere read the run's stream at its next quiet wait, and a broken connection
 * shows on the next write.
 */
final class FeedConnection implements AutoCloseable {
    private static final byte[] MAXLEN = bytes("MAXLEN");
    private static final byte[] ABOUT = bytes("~");
    private static final byte[] NEW_ID = bytes("*");

    private final Unanswered connection;
    private final byte[] maxLength;
    private final byte[] ttlMillis;

    FeedConnection(HostAndPort address, JedisClientConfig config, long maxLength, long ttlMillis) {
        this.connection = new Unanswered(address, config);
        this.maxLength = bytes(Long.toString(maxLength));
        this.ttlMillis = bytes(Long.toString(ttlMillis));
    }

    /** Adds one entry to {@code feed} (about its last {@code maxLength} kept) and renews the feed's time to live. */
    void add(byte[] feed, Map<byte[], byte[]> fields) {
        var args = new byte[5 + 2 * fields.size()][];
        int i = 0;
        args[i++] = feed;
        args[i++] = MAXLEN;
        args[i++] = ABOUT;
        args[i++] = maxLength;
        args[i++] = NEW_ID;
        for (var field : fields.entrySet()) {
            args[i++] = field.getKey();
            args[i++] = field.getValue();
        }
        connection.sendCommand(Protocol.Command.XADD, args);
        connection.sendCommand(Protocol.Command.PEXPIRE, feed, ttlMillis);
        connection.push();
    }

    @Override
    public void close() {
        connection.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Jedis keeps a connection's flush to itself; this one sends without reading anything back. */
    private static final class Unanswered extends Connection {
        Unanswered(HostAndPort address, JedisClientConfig config) {
            super(address, config); // connects, authenticates and names itself, with replies
            sendCommand(Protocol.Command.CLIENT, "REPLY", "OFF");
            push();
        }

        void push() {
            flush();
        }
    }
}
