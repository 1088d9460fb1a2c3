package weft.agents;

import org.junit.jupiter.api.Test;
import weft.events.RunEvent;
import weft.providers.Document;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The rules by which provider text becomes deltas: markers and characters are never split. */
class TextStreamTest {
    private final List<RunEvent> events = new ArrayList<>();
    private final Transcript transcript = new Transcript("a");
    private final TextStream stream = new TextStream("a",
            List.of(new Document("d1", "One", "x"), new Document("d2", "Two", "y")), events::add, transcript);

    private List<String> deltas() {
        return events.stream().filter(e -> e instanceof RunEvent.Delta).map(e -> ((RunEvent.Delta) e).text()).toList();
    }

    @Test
    void plainTextPassesStraightThrough() {
        stream.text("Hello");
        stream.text(" world");
        assertEquals(List.of("Hello", " world"), deltas());
    }

    @Test
    void anOpenBracketIsHeldUntilTheMarkerCloses() {
        stream.text("see [");
        stream.text("1");
        assertEquals(List.of("see "), deltas());
        stream.text("] ok");
        assertEquals(List.of("see ", "[1] ok"), deltas());
        assertEquals(new RunEvent.Citation("a", "[1]", "d1", "One"), events.get(2));
    }

    @Test
    void aBracketThatIsNotAMarkerIsReleasedAtTheNextPiece() {
        stream.text("array[");
        stream.text("i]");
        assertEquals(List.of("array", "[i]"), deltas());
    }

    @Test
    void heldTextIsReleasedWhenTheAnswerEnds() {
        stream.text("the end [2");
        stream.finish();
        assertEquals(List.of("the end ", "[2"), deltas());
        assertEquals("the end [2", transcript.text());
    }

    @Test
    void markersBeyondTheDocumentsAreTextNotCitations() {
        stream.text("[3] [0] [12345]");
        assertEquals(1, events.size());
    }

    @Test
    void aLoneHighSurrogateWaitsForItsPartner() {
        String emoji = "🎉";
        stream.text("party " + emoji.charAt(0));
        stream.text(emoji.charAt(1) + "!");
        assertEquals(List.of("party ", emoji + "!"), deltas());
    }

    @Test
    void safeLengthStopsBeforeAPossibleMarker() {
        assertEquals(3, TextStream.safeLength("abc[12"));
        assertEquals(7, TextStream.safeLength("abc[12]"));
        assertEquals(9, TextStream.safeLength("abc[12345"), "five digits cannot be a marker we hold");
        assertEquals(0, TextStream.safeLength("["));
        assertEquals(2, TextStream.safeLength("ab"));
    }

    @Test
    void theTranscriptHoldsOnlyWhatTheLogTook() {
        var stored = new ArrayList<RunEvent>();
        var refusing = new TextStream("a", List.of(), event -> {
            if (stored.size() == 1) throw new IllegalStateException("interrupted while queueing an event");
            stored.add(event);
        }, transcript);
        refusing.text("kept ");
        assertThrows(IllegalStateException.class, () -> refusing.text("lost"));
        assertEquals("kept ", transcript.text(), "a cancelled agent reports exactly what its clients were sent");
    }
}
