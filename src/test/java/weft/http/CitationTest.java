package weft.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.ScriptedProvider;
import weft.testing.SseStream;
import weft.testing.TestServer;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Citation markers are never split across deltas and are reported as citation events. */
class CitationTest {
    private static final List<String> PIECES = List.of("See ", "[", "1", "]", " and [2", "]", ", not [9]", " nor [x]",
            " but [1", "2]", " 😀".substring(0, 2), " 😀".substring(2), " end [");
    private static final String DOCS = "[{\"id\":\"d1\",\"title\":\"First\",\"text\":\"one\"},{\"id\":\"d2\",\"title\":\"Second\",\"text\":\"two\"}]";
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(ScriptedProvider.of("cite", PIECES));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void markersArriveWholeAndCiteTheirDocuments() {
        try (SseStream stream = server.streamRun("{\"input\":\"q\",\"provider\":\"cite\",\"documents\":" + DOCS + "}")) {
            var events = stream.readToDone();
            var deltas = events.stream().filter(e -> e.type().equals("delta")).map(e -> e.text("text")).toList();
            Pattern halfMarker = Pattern.compile("\\[\\d*$|^\\d*]");
            for (String d : deltas) {
                assertFalse(halfMarker.matcher(d).find() && !d.endsWith("["), "delta splits a marker: '" + d + "'");
                assertFalse(Character.isHighSurrogate(d.charAt(d.length() - 1)), "delta splits a character: '" + d + "'");
            }
            assertEquals(String.join("", PIECES), String.join("", deltas));
            var citations = events.stream().filter(e -> e.type().equals("citation"))
                    .map(e -> e.text("marker") + "=" + e.text("document_id") + "/" + e.text("title")).collect(Collectors.toList());
            assertEquals(List.of("[1]=d1/First", "[2]=d2/Second"), citations);
        }
    }
}
