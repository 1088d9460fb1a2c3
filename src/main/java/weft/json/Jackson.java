package weft.json;

import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Where every Jackson factory and mapper of Weft's comes from: all of them borrow their
 * buffers from one shared, bounded pool.
 *
 * <p>Jackson's default keeps the buffers a parser or generator used (about 16 KB: an 8,000-byte
 * array, a 4,000-char one and smaller) in a {@code ThreadLocal} of the thread that used them,
 * for that thread's next document. Weft's threads are virtual, one per connection and per
 * run: the next document on the same thread seldom comes, and each open stream whose thread
 * had once read or written JSON held its own 16 KB until a collection under memory pressure
 * cleared the soft reference (a heap dump at 1,000 open streams: 1,000 of each array). From a
 * pool, a handful of buffer sets serve whichever threads parse at the moment, and they go
 * back when the parser or generator closes.
 */
public final class Jackson {
    private Jackson() {}

    /** A factory builder on the shared pool, for a factory with settings of its own. */
    public static JsonFactoryBuilder factory() {
        return new JsonFactoryBuilder().recyclerPool(JsonRecyclerPools.sharedBoundedPool());
    }

    /** A mapper with Jackson's default settings, on the shared pool. */
    public static ObjectMapper mapper() {
        return new ObjectMapper(factory().build());
    }

    /** A mapper builder on the shared pool, for a mapper with settings of its own. */
    public static JsonMapper.Builder mapperBuilder() {
        return JsonMapper.builder(factory().build());
    }
}
