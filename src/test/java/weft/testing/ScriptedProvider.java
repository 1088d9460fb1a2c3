package weft.testing;

import weft.providers.ModelRequest;
import weft.providers.Provider;
import weft.providers.Part;
import weft.providers.PartSink;
import weft.providers.Usage;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * A provider whose answer a test writes: the pieces to stream (chosen from the request),
 * an optional pause before each, and an optional failure after a number of pieces. It
 * records every request, and releases a permit each time it has emitted a piece, so tests
 * can wait for "the third piece is out" without sleeping.
 */
public final class ScriptedProvider implements Provider {
    private final String name;
    private final Function<ModelRequest, List<String>> script;
    private final Duration pause;
    private final int failAfter;
    private final List<ModelRequest> requests = new CopyOnWriteArrayList<>();
    private final Semaphore emitted = new Semaphore(0);

    private ScriptedProvider(String name, Function<ModelRequest, List<String>> script, Duration pause, int failAfter) {
        this.name = name;
        this.script = script;
        this.pause = pause;
        this.failAfter = failAfter;
    }

    /** Streams exactly these pieces, as fast as possible. */
    public static ScriptedProvider of(String name, List<String> pieces) {
        return new ScriptedProvider(name, r -> pieces, Duration.ZERO, -1);
    }

    public static ScriptedProvider of(String name, Function<ModelRequest, List<String>> script) {
        return new ScriptedProvider(name, script, Duration.ZERO, -1);
    }

    /** The same, pausing before each piece. */
    public ScriptedProvider pausing(Duration each) {
        return new ScriptedProvider(name, script, each, failAfter);
    }

    /** The same, throwing an IOException after {@code pieces} pieces. */
    public ScriptedProvider failingAfter(int pieces) {
        return new ScriptedProvider(name, script, pause, pieces);
    }

    @Override
    public String name() { return name; }

    @Override
    public String defaultModel() { return name + "-model"; }

    @Override
    public void stream(ModelRequest request, PartSink sink) throws IOException, InterruptedException {
        requests.add(request);
        List<String> pieces = script.apply(request);
        int n = 0;
        for (String piece : pieces) {
            if (n == failAfter) throw new IOException("scripted failure after " + n + " pieces");
            if (!pause.isZero()) Thread.sleep(pause);
            sink.accept(new Part.Text(piece));
            n++;
            emitted.release();
        }
        if (n == failAfter) throw new IOException("scripted failure after " + n + " pieces");
        sink.accept(new Part.Finish("stop", new Usage(7, n, false)));
    }

    public List<ModelRequest> requests() { return requests; }

    /** Blocks until {@code count} more pieces have been emitted (since the last call). */
    public void awaitEmitted(int count) throws InterruptedException {
        if (!emitted.tryAcquire(count, 20, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new AssertionError("the provider did not emit " + count + " pieces within 20 s");
        }
    }
}
