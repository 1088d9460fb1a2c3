package weft.providers;

import java.io.IOException;

/**
 * A language model that streams its answer. The demo model and every real provider
 * (OpenAI, Anthropic, Gemini) sit behind this one interface, so a run never knows
 * which it talks to.
 *
 * <p>{@link #stream} blocks the calling (virtual) thread for the whole answer and hands
 * each {@link Part} to the sink as soon as it arrives: text, tool calls as they are written,
 * and last a {@link Part.Finish}. Cancellation is an interrupt: a provider must give up
 * promptly when its thread is interrupted, by throwing {@link InterruptedException} or an
 * {@link IOException} caused by it, and release any connection it holds.
 */
public interface Provider {

    /** The name clients use in {@code "provider"}: {@code demo}, {@code openai}, … */
    String name();

    /** The model used when a run names none. */
    String defaultModel();

    /** Streams one answer into {@code sink}, ending with a {@link Part.Finish}. */
    void stream(ModelRequest request, PartSink sink) throws IOException, InterruptedException;

    /** Streams one answer into {@code sink} and returns it assembled. */
    default Completion complete(ModelRequest request, PartSink sink) throws IOException, InterruptedException {
        var collector = new Completion.Collector(sink);
        stream(request, collector);
        return collector.completion();
    }
}
