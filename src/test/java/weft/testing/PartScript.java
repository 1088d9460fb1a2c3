package weft.testing;

import weft.providers.ChatMessage;
import weft.providers.ModelRequest;
import weft.providers.Part;
import weft.providers.PartSink;
import weft.providers.Provider;
import weft.providers.Usage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A model whose every answer is scripted as parts, from the request it gets: text, tool calls
 * cut into fragments, then a finish. It records the requests, so a test can read what the
 * model was shown (the tool results, the history).
 */
public final class PartScript implements Provider {
    private final String name;
    private final Function<ModelRequest, List<Part>> script;
    private final List<ModelRequest> requests = new CopyOnWriteArrayList<>();

    public PartScript(String name, Function<ModelRequest, List<Part>> script) {
        this.name = name;
        this.script = script;
    }

    @Override public String name() { return name; }

    @Override public String defaultModel() { return name + "-model"; }

    @Override
    public void stream(ModelRequest request, PartSink sink) throws InterruptedException {
        requests.add(request);
        for (Part part : script.apply(request)) {
            if (Thread.interrupted()) throw new InterruptedException("cancelled");
            sink.accept(part);
        }
    }

    public List<ModelRequest> requests() { return requests; }

    /** Whether the request's conversation ends with tool results: the model is to answer now. */
    public static boolean hasResults(ModelRequest request) {
        return request.messages().getLast().role() == ChatMessage.Role.TOOL;
    }

    /** A call of {@code tool} whose arguments arrive as {@code fragments}. */
    public static List<Part> call(String id, String tool, String... fragments) {
        var parts = new ArrayList<Part>();
        parts.add(new Part.ToolCallStart(id, tool));
        for (String f : fragments) parts.add(new Part.ToolCallArguments(id, f));
        parts.add(new Part.ToolCallEnd(id));
        return parts;
    }

    /** An answer of text pieces and calls, then its finish. */
    @SafeVarargs
    public static List<Part> answer(String reason, List<Part>... pieces) {
        var parts = new ArrayList<Part>();
        for (List<Part> p : pieces) parts.addAll(p);
        parts.add(new Part.Finish(reason, new Usage(10, 5, false)));
        return parts;
    }

    public static List<Part> text(String... pieces) {
        return java.util.Arrays.stream(pieces).<Part>map(Part.Text::new).toList();
    }
}
