package weft.sse;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * Writes server-sent event frames to one HTTP response body.
 *
 * <p>Every frame is flushed at once: a chunked response body holds back a few KiB otherwise,
 * and the client would see tokens arrive in bursts instead of as they are made.
 *
 * <p>Once a write fails the client is gone, so the first {@link IOException} sticks: every
 * later call throws without touching the stream, and {@link #failed()} says so. Producers
 * can then stop instead of rendering frames nobody reads.
 *
 * <p>Events and heartbeats may come from different threads; frames never interleave.
 */
public final class SseWriter {
    private final OutputStream out;
    private IOException failure;

    public SseWriter(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /**
     * The wire form of one event. Data is split on CRLF, CR and LF into one {@code data} line
     * each, so content can never end the frame early; a client joins the lines with LF.
     *
     * @param type the event type, or null for none (clients then see "message")
     * @throws IllegalArgumentException if {@code type} contains CR or LF
     */
    public static byte[] render(long id, String type, String data) {
        Objects.requireNonNull(data, "data");
        StringBuilder frame = new StringBuilder(data.length() + 64);
        frame.append("id: ").append(id).append('\n');
        if (type != null) {
            if (type.indexOf('\r') >= 0 || type.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("event type contains a line break: \""
                        + type.replace("\r", "\\r").replace("\n", "\\n") + '"');
            }
            frame.append("event: ").append(type).append('\n');
        }
        appendLines(frame, "data: ", data);
        return frame.append('\n').toString().getBytes(UTF_8);
    }

    /**
     * The same for data that is already one line of UTF-8, such as JSON: no line to split and
     * no re-encoding, so the hot path of a relay copies the bytes once. Data that does contain
     * a line break still gets split, by {@link #render(long, String, String)}.
     */
    public static byte[] render(long id, String type, byte[] data) {
        for (byte b : data) {
            if (b == '\r' || b == '\n') return render(id, type, new String(data, UTF_8));
        }
        byte[] head = render(id, type, ""); // "id: …\nevent: …\ndata: \n\n"
        int prefix = head.length - 2;                 // without the data line's LF and the blank line
        byte[] frame = new byte[prefix + data.length + 2];
        System.arraycopy(head, 0, frame, 0, prefix);
        System.arraycopy(data, 0, frame, prefix, data.length);
        frame[frame.length - 2] = '\n';
        frame[frame.length - 1] = '\n';
        return frame;
    }

    /** Tells clients how long to wait before reconnecting. */
    public void retry(long millis) throws IOException {
        if (millis < 0) {
            throw new IllegalArgumentException("retry must not be negative: " + millis);
        }
        write(("retry: " + millis + "\n\n").getBytes(UTF_8));
    }

    /** A comment frame; clients ignore it, which makes {@code comment("ping")} a heartbeat. */
    public void comment(String text) throws IOException {
        StringBuilder frame = new StringBuilder(text.length() + 4);
        appendLines(frame, ": ", text);
        write(frame.append('\n').toString().getBytes(UTF_8));
    }

    public void event(long id, String type, String data) throws IOException {
        write(render(id, type, data));
    }

    /** Writes a frame rendered earlier, e.g. by {@link #render} for a replay log. */
    public void write(byte[] frame) throws IOException {
        write(java.util.List.of(frame));
    }

    /**
     * Writes frames that are ready together and flushes once: a follower that finds several
     * events waiting sends them in one chunk rather than one chunk (and one syscall) each.
     */
    public synchronized void write(java.util.List<byte[]> frames) throws IOException {
        if (failure != null) {
            throw new IOException("event stream already failed", failure);
        }
        try {
            for (byte[] frame : frames) out.write(frame);
            out.flush();
        } catch (IOException e) {
            failure = e;
            throw e;
        }
    }

    public synchronized boolean failed() {
        return failure != null;
    }

    /**
     * Appends {@code prefix + line + LF} for each line of {@code text}, split on CRLF, CR and LF.
     * The prefix ends in a space, so a line that itself begins with a space survives the one
     * space a parser strips. A trailing line break yields a last, empty line, so it survives too.
     */
    private static void appendLines(StringBuilder frame, String prefix, String text) {
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n') {
                frame.append(prefix).append(text, start, i).append('\n');
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        frame.append(prefix).append(text, start, text.length()).append('\n');
    }
}
