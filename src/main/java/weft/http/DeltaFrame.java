package weft.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import weft.events.RunEvent;

import java.nio.charset.StandardCharsets;

/**
 * The frame of a {@code delta}, the event every token of every answer becomes, built straight
 * into one array of the exact size, its constant parts encoded once:
 * <pre>id: 7\nevent: delta\ndata: {"run_id":"r_…","seq":7,"ts":…,"type":"delta","agent":"assistant","text":"Hello"}\n\n</pre>
 * The bytes are those of {@link WeftFrames}' general path (a test holds them equal); JSON
 * escaping leaves no line break in the data, so the frame needs no splitting.
 */
final class DeltaFrame {
    private static final byte[] ID = ascii("id: ");
    private static final byte[] RUN = ascii("\nevent: delta\ndata: {\"run_id\":\"");
    private static final byte[] SEQ = ascii("\",\"seq\":");
    private static final byte[] TS = ascii(",\"ts\":");
    private static final byte[] AGENT = ascii(",\"type\":\"delta\",\"agent\":\"");
    private static final byte[] TEXT = ascii("\",\"text\":\"");
    private static final byte[] END = ascii("\"}\n\n");

    private DeltaFrame() {}

    static byte[] render(String runId, long seq, long ts, RunEvent.Delta delta) {
        byte[] s = ascii(Long.toString(seq));
        byte[] run = quoted(runId);
        byte[] t = ascii(Long.toString(ts));
        byte[] agent = quoted(delta.agent());
        byte[] text = quoted(delta.text());
        byte[] frame = new byte[ID.length + s.length + RUN.length + run.length + SEQ.length + s.length + TS.length
                + t.length + AGENT.length + agent.length + TEXT.length + text.length + END.length];
        int at = 0;
        for (byte[] part : new byte[][]{ID, s, RUN, run, SEQ, s, TS, t, AGENT, agent, TEXT, text, END}) {
            System.arraycopy(part, 0, frame, at, part.length);
            at += part.length;
        }
        return frame;
    }

    /** A JSON string's content as UTF-8, escaped as Jackson's generator escapes it. */
    private static byte[] quoted(String s) {
        return JsonStringEncoder.getInstance().quoteAsUTF8(s);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
