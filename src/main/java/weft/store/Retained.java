package weft.store;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Entries kept in memory for a while and within limits: each lives {@code ttl} from when it
 * was put (or, with {@code renewOnUse}, last used), and when there are more than
 * {@code maxEntries} or their sizes add up to more than {@code maxBytes}, the oldest go first.
 * Because every entry lives equally long, the oldest is always the first to expire, so both
 * rules take entries from the head of one ordered map and no entry needs a timer of its own.
 */
final class Retained<K, V> {
    private record Entry<V>(V value, long bytes, long expiresAt) {}

    private final long ttlMillis;
    private final int maxEntries;
    private final long maxBytes;
    private final boolean renewOnUse;
    private final BiConsumer<K, V> onEvict;
    private final LinkedHashMap<K, Entry<V>> entries;
    private long bytes;

    Retained(long ttlMillis, int maxEntries, long maxBytes, boolean renewOnUse, BiConsumer<K, V> onEvict) {
        this.ttlMillis = ttlMillis;
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.renewOnUse = renewOnUse;
        this.onEvict = onEvict;
        this.entries = new LinkedHashMap<>(16, 0.75f, renewOnUse);
    }

    void put(K key, V value, long size, long now) {
        List<Map.Entry<K, V>> evicted;
        synchronized (this) {
            var old = entries.remove(key);
            if (old != null) bytes -= old.bytes();
            entries.put(key, new Entry<>(value, size, now + ttlMillis));
            bytes += size;
            evicted = evict(now);
        }
        evicted.forEach(e -> onEvict.accept(e.getKey(), e.getValue()));
    }

    /** The value, unless it has expired; with {@code renewOnUse} its time starts again. */
    synchronized V get(K key, long now) {
        var e = entries.get(key);
        if (e == null || e.expiresAt() <= now) return null;
        if (renewOnUse) entries.put(key, new Entry<>(e.value(), e.bytes(), now + ttlMillis));
        return e.value();
    }

    synchronized V remove(K key) {
        var e = entries.remove(key);
        if (e == null) return null;
        bytes -= e.bytes();
        return e.value();
    }

    /** Drops what has expired by {@code now}. */
    void sweep(long now) {
        List<Map.Entry<K, V>> evicted;
        synchronized (this) {
            evicted = evict(now);
        }
        evicted.forEach(e -> onEvict.accept(e.getKey(), e.getValue()));
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized long bytes() {
        return bytes;
    }

    private List<Map.Entry<K, V>> evict(long now) {
        var evicted = new ArrayList<Map.Entry<K, V>>();
        Iterator<Map.Entry<K, Entry<V>>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            var head = it.next();
            boolean over = entries.size() > maxEntries || bytes > maxBytes;
            if (!over && head.getValue().expiresAt() > now) break;
            it.remove();
            bytes -= head.getValue().bytes();
            evicted.add(Map.entry(head.getKey(), head.getValue().value()));
        }
        return evicted;
    }
}
