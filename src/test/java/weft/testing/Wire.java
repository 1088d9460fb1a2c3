package weft.testing;

import com.fasterxml.jackson.databind.JsonNode;
import weft.sse.SseEvent;
import weft.sse.SseParser;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A fixture's bytes as a provider sends them, its events as a client reads them, and where cutting them hurts most. */
public final class Wire {
    private Wire() {
    }

    /** The bytes of {@code test-fixtures/<name>}. */
    public static byte[] fixture(String name) {
        try {
            return Files.readAllBytes(MockProvider.FIXTURES.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The SSE events of a transcript, in order. */
    public static List<SseEvent> events(byte[] wire) {
        var events = new ArrayList<SseEvent>();
        try {
            SseParser.parse(new ByteArrayInputStream(wire), (SseEvent event) -> events.add(event));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return events;
    }

    /** Each event's data as JSON, in order; OpenAI's closing {@code [DONE]}, which is not JSON, left out. */
    public static List<JsonNode> data(byte[] wire) {
        var data = new ArrayList<JsonNode>();
        for (SseEvent event : events(wire)) {
            if (event.data().equals("[DONE]")) continue;
            try {
                data.add(TestServer.JSON.readTree(event.data()));
            } catch (IOException e) {
                throw new UncheckedIOException("a fixture has bad JSON: " + event.data(), e);
            }
        }
        return data;
    }

    /**
     * Byte offsets inside every escape on the wire (after each backslash, and everywhere within
     * an escaped {@code \\u00XX} that tool arguments carry) and inside every multi-byte UTF-8
     * character: where a reader that decodes or unescapes too early breaks.
     */
    public static int[] insideEscapesAndCharacters(byte[] wire) {
        String text = new String(wire, StandardCharsets.ISO_8859_1); // one char a byte: indexes are byte offsets
        var inUnicodeEscapes = new HashSet<Integer>();
        for (int at = text.indexOf("\\\\u00"); at >= 0; at = text.indexOf("\\\\u00", at + 1)) {
            for (int i = at + 1; i < at + 7; i++) inUnicodeEscapes.add(i);
        }
        int[] cuts = IntStream.range(1, wire.length)
                .filter(i -> wire[i - 1] == '\\' || (wire[i] & 0xC0) == 0x80 || inUnicodeEscapes.contains(i)).toArray();
        assertTrue(IntStream.of(cuts).anyMatch(i -> (wire[i] & 0xC0) == 0x80), "the fixture should hold multi-byte characters");
        assertTrue(IntStream.of(cuts).filter(i -> wire[i - 1] == '\\').count() >= 10, "the fixture should be full of escapes");
        return cuts;
    }
}
