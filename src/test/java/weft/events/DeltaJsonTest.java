package weft.events;

import org.junit.jupiter.api.Test;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A delta's line as stored in a shared log is Jackson's, byte for byte, and reads back as it was. */
class DeltaJsonTest {

    private static void sameAsJackson(String agent, String text) throws Exception {
        var event = new LoggedEvent(42, 1_732_450_000_123L, new RunEvent.Delta(agent, text), 0);
        byte[] line = EventJson.render("r_abc", event);
        assertEquals(new String(EventJson.generated("r_abc", event), UTF_8), new String(line, UTF_8),
                "text " + text.codePoints().mapToObj(Integer::toHexString).toList());
        assertEquals(event.event(), EventJson.parse("r_abc", line, 0).event(), "and it reads back as the same delta");
    }

    @Test
    void quotesBackslashesAndEmptyTextAreWrittenAsJacksonWritesThem() throws Exception {
        sameAsJackson("assistant", "Hello");
        sameAsJackson("researcher[2]", " world, \"quoted\" and \\ back");
        sameAsJackson("assistant", "");
    }

    @Test
    void everyControlCharacterIsEscapedSoTheLineHoldsNoLineBreak() throws Exception {
        var controls = new StringBuilder("line\nbreak\r\nand\u2028sep ");
        for (char c = 0; c < 0x20; c++) controls.append(c);
        controls.append('\u007f');
        sameAsJackson("assistant", controls.toString());
    }

    @Test
    void textBeyondAsciiIsUtf8WithEmojiAsFourBytes() throws Exception {
        sameAsJackson("assistant", "héllo — 日本語 🦊 ");
        sameAsJackson("agent é", "\uD83D\uDE00 emoji");
        byte[] fox = EventJson.render("r", new LoggedEvent(1, 2, new RunEvent.Delta("a", "🦊"), 0));
        assertEquals("{\"run_id\":\"r\",\"seq\":1,\"ts\":2,\"type\":\"delta\",\"agent\":\"a\",\"text\":\"🦊\"}", new String(fox, UTF_8));
    }

    @Test
    void roomLeftOnEitherSideIsLeftEmpty() {
        byte[] framed = DeltaJson.render(3, "r", 1, 2, new RunEvent.Delta("a", "b"), 2);
        assertEquals("\0\0\0{\"run_id\":\"r\",\"seq\":1,\"ts\":2,\"type\":\"delta\",\"agent\":\"a\",\"text\":\"b\"}\0\0", new String(framed, UTF_8));
    }
}
