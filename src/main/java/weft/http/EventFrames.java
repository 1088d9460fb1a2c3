package weft.http;

import weft.events.LoggedEvent;

/**
 * One way of serving a run's log on one response: Weft's own SSE ({@link WeftFrames}), OpenAI's
 * chunks, the AI SDK's stream. {@link EventStream} reads the log and writes whatever this
 * renders; the format decides nothing else. A renderer lives for one response, so a format that
 * numbers its frames or remembers what it has opened keeps that state here.
 */
public interface EventFrames {

    /** What opens the stream, before any event (Weft's {@code retry:} hint); may be empty. */
    byte[] opening();

    /** The frames for one event, in order; empty when the format has nothing to say about it. */
    byte[] render(LoggedEvent event);

    /**
     * A failure of the stream itself, not in the run's log (the store stopped answering): the
     * last frame the response gets.
     */
    byte[] streamError(String code, String message);

    /** What ends the stream after the run's {@code done} (OpenAI's {@code data: [DONE]}); may be empty. */
    byte[] closing();
}
