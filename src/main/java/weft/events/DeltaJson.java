package weft.events;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.nio.charset.StandardCharsets;

/**
 * The JSON line of a {@code delta}, the event every token of every answer becomes, built
 * straight into one array of the exact size with its constant parts encoded once:
 * <pre>{"run_id":"r_…","seq":7,"ts":1732450000123,"type":"delta","agent":"assistant","text":"Hello"}</pre>
 * The bytes are those Jackson's generator writes ({@link EventJson#generated}; a test holds
 * them equal). The array can keep room on either side, so that a frame around the line (an
 * SSE event's {@code id} and {@code data:}) costs no second copy.
 */
public final class DeltaJson {
    private static final byte[] RUN = ascii("{\"run_id\":\"");
    private static final byte[] SEQ = ascii("\",\"seq\":");
    private static final byte[] TS = ascii(",\"ts\":");
    private static final byte[] AGENT = ascii(",\"type\":\"delta\",\"agent\":\"");
    private static final byte[] TEXT = ascii("\",\"text\":\"");
    private static final byte[] END = ascii("\"}");

    private DeltaJson() {}

    /** The line, with {@code before} bytes free at the start and {@code after} at the end for the caller to fill. */
    public static byte[] render(int before, String runId, long seq, long ts, RunEvent.Delta delta, int after) {
        byte[] run = quoted(runId);
        byte[] s = ascii(Long.toString(seq));
        byte[] t = ascii(Long.toString(ts));
        byte[] agent = quoted(delta.agent());
        byte[] text = quoted(delta.text());
        byte[][] parts = {RUN, run, SEQ, s, TS, t, AGENT, agent, TEXT, text, END};
        int length = before + after;
        for (byte[] part : parts) length += part.length;
        byte[] line = new byte[length];
        int at = before;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, line, at, part.length);
            at += part.length;
        }
        return line;
    }

    /** A JSON string's content as UTF-8, escaped as Jackson's generator escapes it. */
    private static byte[] quoted(String s) {
        return JsonStringEncoder.getInstance().quoteAsUTF8(s);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
