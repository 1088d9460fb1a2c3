package weft.agents;

import weft.events.RunEvent;
import weft.providers.Document;

import java.util.List;

/**
 * Turns a provider's text pieces into {@code delta} and {@code citation} events.
 *
 * <p>Providers split text wherever their tokenizer does, so a marker such as {@code [12]}
 * may arrive as {@code " ["}, {@code "1"}, {@code "2]"}. A client must never see half a
 * marker, so text from a trailing {@code [} followed only by digits is held back until the
 * marker is complete (or turns out not to be one). A lone high surrogate at the end of a
 * piece is held back too, so a delta never splits a character.
 */
final class TextStream {
    /** The longest marker held back: {@code [} and four digits. */
    private static final int MAX_MARKER_DIGITS = 4;

    private final String agent;
    private final List<Document> documents;
    private final EventSink events;
    private final Transcript transcript;
    private final StringBuilder pending = new StringBuilder();

    TextStream(String agent, List<Document> documents, EventSink events, Transcript transcript) {
        this.agent = agent;
        this.documents = documents;
        this.events = events;
        this.transcript = transcript;
    }

    void text(String piece) {
        pending.append(piece);
        int safe = safeLength(pending);
        if (safe == 0) return;
        String delta = pending.substring(0, safe);
        pending.delete(0, safe);
        emit(delta);
    }

    /** The answer is over: whatever was held back is plain text now. */
    void finish() {
        if (!pending.isEmpty()) {
            String rest = pending.toString();
            pending.setLength(0);
            emit(rest);
        }
    }

    /** The transcript takes a delta only once the log has it: a cancel may interrupt the emit. */
    private void emit(String delta) {
        events.emit(new RunEvent.Delta(agent, delta));
        transcript.append(delta);
        citeMarkers(delta);
    }

    /** Markers never straddle deltas (see {@link #safeLength}), so each delta is scanned alone. */
    private void citeMarkers(String delta) {
        for (int open = delta.indexOf('['); open >= 0; open = delta.indexOf('[', open + 1)) {
            int close = open + 1;
            while (close < delta.length() && isDigit(delta.charAt(close))) close++;
            int digits = close - open - 1;
            if (digits == 0 || digits > MAX_MARKER_DIGITS || close == delta.length() || delta.charAt(close) != ']') continue;
            int n = Integer.parseInt(delta, open + 1, close, 10);
            if (n >= 1 && n <= documents.size()) {
                Document doc = documents.get(n - 1);
                events.emit(new RunEvent.Citation(agent, "[" + n + "]", doc.id(), doc.title()));
            }
        }
    }

    /** How much of {@code text} can go out now without splitting a marker or a character. */
    static int safeLength(CharSequence text) {
        int end = text.length();
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) end--;
        int digits = 0;
        for (int i = end - 1; i >= 0 && digits <= MAX_MARKER_DIGITS; i--) {
            char c = text.charAt(i);
            if (c == '[') return i;
            if (!isDigit(c)) break;
            digits++;
        }
        return end;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
