package weft.http;

import org.junit.jupiter.api.Test;
import weft.events.LoggedEvent;
import weft.events.RunEvent;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

class DeltaFrameTest {

    private static void sameAsTheGeneralPath(String agent, String text) {
        var event = new LoggedEvent(42, 1_732_450_000_123L, new RunEvent.Delta(agent, text), 0);
        String fast = new String(WeftFrames.frame("r_abc", event), UTF_8);
        String general = new String(WeftFrames.general("r_abc", event), UTF_8);
        assertEquals(general, fast, "text " + text.codePoints().mapToObj(Integer::toHexString).toList());
    }

    @Test
    void aDeltaFrameIsByteForByteTheGeneralOne() {
        sameAsTheGeneralPath("assistant", "Hello");
        sameAsTheGeneralPath("researcher[2]", " world, \"quoted\" and \\ back");
        sameAsTheGeneralPath("assistant", "");
    }

    @Test
    void lineBreaksAndEveryControlCharacterAreEscapedAlike() {
        var controls = new StringBuilder("line\nbreak\r\nand\u2028sep ");
        for (char c = 0; c < 0x20; c++) controls.append(c);
        controls.append('\u007f');
        sameAsTheGeneralPath("assistant", controls.toString());
        String frame = new String(WeftFrames.frame("r_abc",
                new LoggedEvent(1, 2, new RunEvent.Delta("a", "x\ny"), 0)), UTF_8);
        assertEquals("id: 1\nevent: delta\ndata: {\"run_id\":\"r_abc\",\"seq\":1,\"ts\":2,\"type\":\"delta\",\"agent\":\"a\",\"text\":\"x\\ny\"}\n\n",
                frame, "the frame's only line breaks are its own");
    }

    @Test
    void textBeyondAsciiIsUtf8AsItWas() {
        sameAsTheGeneralPath("assistant", "héllo — 日本語 🦊 ");
        sameAsTheGeneralPath("agent é", "\uD83D\uDE00 emoji");
    }
}
