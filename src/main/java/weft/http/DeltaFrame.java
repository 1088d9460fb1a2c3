package weft.http;

import weft.events.DeltaJson;
import weft.events.RunEvent;

import java.nio.charset.StandardCharsets;

/**
 * The frame of a {@code delta}, in one array of the exact size: the event's JSON line
 * ({@link DeltaJson}) with the SSE fields around it, no second copy.
 * <pre>id: 7\nevent: delta\ndata: {"run_id":"r_…","seq":7,…,"type":"delta","agent":"assistant","text":"Hello"}\n\n</pre>
 * The bytes are those of {@link WeftFrames}' general path (a test holds them equal); JSON
 * escaping leaves no line break in the data, so the frame needs no splitting.
 */
final class DeltaFrame {
    private static final byte[] ID = ascii("id: ");
    private static final byte[] DATA = ascii("\nevent: delta\ndata: ");
    private static final byte[] END = ascii("\n\n");

    private DeltaFrame() {}

    static byte[] render(String runId, long seq, long ts, RunEvent.Delta delta) {
        byte[] id = ascii(Long.toString(seq));
        int before = ID.length + id.length + DATA.length;
        byte[] frame = DeltaJson.render(before, runId, seq, ts, delta, END.length);
        System.arraycopy(ID, 0, frame, 0, ID.length);
        System.arraycopy(id, 0, frame, ID.length, id.length);
        System.arraycopy(DATA, 0, frame, ID.length + id.length, DATA.length);
        System.arraycopy(END, 0, frame, frame.length - END.length, END.length);
        return frame;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
