package weft.agents;

import weft.events.RunEvent;
import weft.metrics.Metrics;
import weft.providers.ModelRequest;
import weft.providers.Provider;

import java.io.IOException;

/**
 * One call to a language model, streamed: announce the agent, pass every piece of text on
 * as it arrives, then report the whole text and its usage.
 *
 * <p>It runs as the one subtask of its own {@code StructuredTaskScope} (see {@code WorkflowRun}). Cancelling
 * that scope, or any scope above it, interrupts this thread inside {@link Provider#complete}, which gives up at once; the
 * {@link Transcript} then holds exactly what was streamed, for the run to record.
 */
public record LlmAgent(String name, String parent, Provider provider, ModelRequest request) {

    public Transcript run(Transcript transcript, EventSink events, Metrics metrics)
            throws IOException, InterruptedException {
        transcript.start();
        events.emit(new RunEvent.AgentStarted(name, parent));
        var stream = new TextStream(name, request.documents(), events, transcript);
        long start = System.nanoTime();
        var completion = provider.complete(request, new FirstTokenTimer(stream, start, provider.name(), metrics));
        stream.finish();
        transcript.complete(completion.usage());
        events.emit(new RunEvent.AgentCompleted(name, transcript.text(), completion.usage()));
        return transcript;
    }

    /** The prompt as text, for estimating input tokens when a provider never reported them. */
    public String promptText() {
        var all = new StringBuilder(request.system() == null ? "" : request.system());
        request.messages().forEach(m -> all.append('\n').append(m.content()));
        request.documents().forEach(d -> all.append('\n').append(d.title()).append('\n').append(d.text()));
        return all.toString();
    }

    /** Records time to first token, then gets out of the way. */
    private static final class FirstTokenTimer implements weft.providers.TextSink {
        private final TextStream next;
        private final long start;
        private final String provider;
        private final Metrics metrics;
        private boolean seen;

        FirstTokenTimer(TextStream next, long start, String provider, Metrics metrics) {
            this.next = next;
            this.start = start;
            this.provider = provider;
            this.metrics = metrics;
        }

        @Override
        public void text(String piece) {
            if (!seen) {
                seen = true;
                metrics.firstToken(provider, (System.nanoTime() - start) / 1e9);
            }
            next.text(piece);
        }
    }
}
