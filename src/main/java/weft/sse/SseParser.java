package weft.sse;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * Reads a {@code text/event-stream} as the WHATWG HTML standard interprets it
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 *
 * <p>Bytes may be fed split anywhere. Lines are split on bytes and each complete line is
 * decoded on its own; CR and LF never occur inside a multi-byte UTF-8 sequence, so a character
 * split across two feeds needs no special care.
 *
 * <p>One parser reads one stream, from one thread.
 */
public final class SseParser {

    /**
     * Hears what the stream says, in stream order, on the feeding thread. An exception thrown
     * here leaves {@link #feed} with the rest of its bytes unread; abandon the stream then.
     */
    public interface Listener {
        void onEvent(SseEvent event);

        /** The server asks clients to wait this long before reconnecting. */
        default void onRetry(long millis) {}

        /** A comment line, usually a keep-alive. */
        default void onComment(String comment) {}

        /**
         * A line whose field the spec ignores (neither data, event, id nor retry), whole.
         * Some providers write non-SSE lines into an event stream, e.g. Gemini's mid-stream errors.
         */
        default void onOtherLine(String line) {}
    }

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte COLON = ':';
    private static final byte SPACE = ' ';
    private static final byte NUL = 0;

    private final Listener listener;
    private final Bytes line = new Bytes();
    // Kept as bytes, not text, so an event costs one decode however many data lines it has.
    private final Bytes data = new Bytes();
    private String eventType = "";
    private String lastEventId = "";
    // The previous feed ended on a CR; an LF opening this feed belongs to that CRLF.
    private boolean swallowLf;
    private boolean firstLine = true;

    public SseParser(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Reads {@code in} to its end, then {@link #finish() finishes}. Does not close {@code in}. */
    public static void parse(InputStream in, Listener listener) throws IOException {
        SseParser parser = new SseParser(listener);
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) != -1; ) {
            parser.feed(buffer, 0, n);
        }
        parser.finish();
    }

    public void feed(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        int end = offset + length;
        int i = offset;
        while (i < end) {
            if (swallowLf) {
                swallowLf = false;
                if (bytes[i] == LF) {
                    i++;
                    continue;
                }
            }
            int lineEnd = i;
            while (lineEnd < end && bytes[lineEnd] != CR && bytes[lineEnd] != LF) {
                lineEnd++;
            }
            line.append(bytes, i, lineEnd);
            if (lineEnd == end) {
                return; // the line goes on in the next feed
            }
            swallowLf = bytes[lineEnd] == CR;
            processLine();
            i = lineEnd + 1;
        }
    }

    /**
     * Ends the stream. The spec discards whatever is pending: a line without its line end is
     * not a line, and an event without its blank line is never dispatched.
     */
    public void finish() {
        line.clear();
        data.clear();
        eventType = "";
        swallowLf = false;
    }

    private void processLine() {
        if (firstLine) {
            firstLine = false;
            // Only the stream's very first bytes may be a BOM. Checking the whole first line,
            // rather than the first three bytes as they arrive, handles a BOM split across feeds.
            if (startsWithBom()) {
                line.dropFirst(3);
            }
        }
        int length = line.length();
        int colon = line.indexOf(COLON, 0);
        if (length == 0) {
            dispatch();
        } else if (colon == 0) {
            listener.onComment(line.decode(valueStart(1), length));
        } else if (colon > 0) {
            field(colon, valueStart(colon + 1));
        } else {
            field(length, length); // no colon: the whole line names the field, the value is ""
        }
        line.clear();
    }

    private boolean startsWithBom() {
        return line.length() >= 3
                && line.at(0) == (byte) 0xEF && line.at(1) == (byte) 0xBB && line.at(2) == (byte) 0xBF;
    }

    /** Skips one space after the colon, and only one: further spaces belong to the value. */
    private int valueStart(int afterColon) {
        return afterColon < line.length() && line.at(afterColon) == SPACE ? afterColon + 1 : afterColon;
    }

    private void field(int nameEnd, int valueStart) {
        int valueEnd = line.length();
        if (line.equalsAscii(0, nameEnd, "data")) {
            data.append(line, valueStart, valueEnd);
            data.append(LF);
        } else if (line.equalsAscii(0, nameEnd, "event")) {
            eventType = line.decode(valueStart, valueEnd);
        } else if (line.equalsAscii(0, nameEnd, "id")) {
            // U+0000 has no other UTF-8 encoding, so looking for the byte is exact.
            if (line.indexOf(NUL, valueStart) < 0) {
                lastEventId = line.decode(valueStart, valueEnd);
            }
        } else if (line.equalsAscii(0, nameEnd, "retry")) {
            long millis = retryMillis(valueStart, valueEnd);
            if (millis >= 0) {
                listener.onRetry(millis);
            }
        } else {
            // The spec ignores any other field, so that new fields never break old clients.
            listener.onOtherLine(line.decode(0, valueEnd));
        }
    }

    /**
     * The value as base-ten milliseconds, or -1 unless it is ASCII digits only. An empty value
     * has no number in it, so it is ignored too. A value too large for a long means "wait
     * practically forever", so it saturates rather than wrapping to a short wait.
     */
    private long retryMillis(int from, int to) {
        if (from == to) {
            return -1;
        }
        long millis = 0;
        for (int i = from; i < to; i++) {
            int digit = line.at(i) - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            millis = millis > (Long.MAX_VALUE - digit) / 10 ? Long.MAX_VALUE : millis * 10 + digit;
        }
        return millis;
    }

    private void dispatch() {
        if (data.length() == 0) {
            eventType = "";
            return;
        }
        // Every data line ended in LF; the spec drops the last one.
        SseEvent event = new SseEvent(lastEventId, eventType.isEmpty() ? "message" : eventType,
                data.decode(0, data.length() - 1));
        data.clear();
        eventType = ""; // but not the ID: it stays until the server sets another
        listener.onEvent(event);
    }

    /** A growable byte array, reused line after line so parsing allocates little. */
    private static final class Bytes {
        private byte[] bytes = new byte[256];
        private int length;

        int length() {
            return length;
        }

        byte at(int index) {
            return bytes[index];
        }

        void append(byte b) {
            ensureRoom(1);
            bytes[length++] = b;
        }

        void append(byte[] source, int from, int to) {
            ensureRoom(to - from);
            System.arraycopy(source, from, bytes, length, to - from);
            length += to - from;
        }

        void append(Bytes source, int from, int to) {
            append(source.bytes, from, to);
        }

        int indexOf(byte b, int from) {
            for (int i = from; i < length; i++) {
                if (bytes[i] == b) {
                    return i;
                }
            }
            return -1;
        }

        boolean equalsAscii(int from, int to, String ascii) {
            if (to - from != ascii.length()) {
                return false;
            }
            for (int i = 0; i < ascii.length(); i++) {
                if (bytes[from + i] != ascii.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** Malformed UTF-8 becomes U+FFFD, as the spec's UTF-8 decode requires. */
        String decode(int from, int to) {
            return new String(bytes, from, to - from, UTF_8);
        }

        void dropFirst(int count) {
            System.arraycopy(bytes, count, bytes, 0, length - count);
            length -= count;
        }

        void clear() {
            length = 0;
        }

        private void ensureRoom(int extra) {
            if (length + extra > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + extra));
            }
        }
    }
}
