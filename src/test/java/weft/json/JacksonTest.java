package weft.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JacksonTest {
    private static final String DOCUMENT = "{\"model\":\"weft-demo-1\",\"choices\":[{\"delta\":{\"content\":\"Hello\"}}]}";

    @Test
    void threadsThatStayAliveAfterTheirJsonLeaveItsBuffersInTheSharedPool() throws Exception {
        var pool = JsonRecyclerPools.sharedBoundedPool();
        pool.clear();
        var done = new CountDownLatch(50);
        var release = new CountDownLatch(1);
        var failures = new ArrayList<Throwable>();
        var threads = new ArrayList<Thread>();
        for (int i = 0; i < 50; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    useEveryKindOfMapper();
                } catch (Throwable e) {
                    synchronized (failures) { failures.add(e); }
                } finally {
                    done.countDown();
                }
                try {
                    release.await(); // alive, like a connection's thread while its stream is open
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        done.await();
        try {
            assertEquals(List.of(), failures);
            int pooled = pool.pooledCount();
            // Each thread gave its buffers back: at least one set waits in the pool, never more
            // than the threads that used JSON at the same moment (at most all 50).
            assertTrue(pooled >= 1 && pooled <= 50, "buffer sets in the shared pool: " + pooled);
        } finally {
            release.countDown();
            for (Thread t : threads) t.join();
        }
    }

    private static void useEveryKindOfMapper() throws IOException {
        assertEquals("Hello", Jackson.mapper().readTree(DOCUMENT).at("/choices/0/delta/content").asText());
        assertEquals("Hello", Jackson.mapperBuilder().build().readTree(DOCUMENT).at("/choices/0/delta/content").asText());
        var factory = Jackson.factory().build();
        try (JsonParser parser = factory.createParser(DOCUMENT.getBytes())) {
            while (parser.nextToken() != null) { /* read to the end */ }
        }
        var out = new ByteArrayOutputStream();
        try (var generator = factory.createGenerator(out, JsonEncoding.UTF8)) {
            generator.writeStartObject();
            generator.writeStringField("text", "Hello");
            generator.writeEndObject();
        }
        assertEquals("{\"text\":\"Hello\"}", out.toString());
    }

    @Test
    void everyMapperAndFactoryOfTheServerComesFromJackson() throws IOException {
        var offenders = new ArrayList<String>();
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path file : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (file.endsWith(Path.of("weft/json/Jackson.java"))) continue;
                String text = Files.readString(file);
                for (String made : List.of("new ObjectMapper()", "JsonFactory.builder()", "new JsonFactoryBuilder()",
                        "JsonMapper.builder()", "new JsonFactory(")) {
                    if (text.contains(made)) offenders.add(file + ": " + made);
                }
            }
        }
        assertEquals(List.of(), offenders, "a mapper or factory outside weft.json.Jackson keeps buffers per thread");
    }
}
