package weft.providers;

import java.io.IOException;

/**
 * A language model that streams its answer. The demo model and every real provider
 * (OpenAI, Anthropic, Gemini) sit behind this one interface, so a run never knows
 * which it talks to.
 *
 * <p>{@link #complete} blocks the calling (virtual) thread for the whole answer and hands
 * each piece of text to the sink as soon as it arrives. Cancellation is an interrupt:
 * a provider must give up promptly when its thread is interrupted, by throwing
 * {@link InterruptedException} or an {@link IOException} caused by it, and release any
 * connection it holds.
 */
public interface Provider {

    /** The name clients use in {@code "provider"}: {@code demo}, {@code openai}, … */
    String name();

    /** The model used when a run names none. */
    String defaultModel();

    /** Streams one answer into {@code sink}; returns how it finished and what it cost. */
    Completion complete(ModelRequest request, TextSink sink) throws IOException, InterruptedException;
}
