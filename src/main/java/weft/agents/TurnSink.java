package weft.agents;

import weft.events.RunEvent;
import weft.metrics.Metrics;
import weft.providers.Part;
import weft.providers.PartSink;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Where a model's parts go as they arrive: text to the {@link TextStream} (which makes deltas
 * and citations), every piece of a tool call's arguments straight out as a
 * {@code tool_call_delta}, so a client sees a call being written as it sees text. It also
 * times the agent's first token.
 */
final class TurnSink implements PartSink {
    private final String agent;
    private final TextStream text;
    private final EventSink events;
    private final String provider;
    private final Metrics metrics;
    private final long start = System.nanoTime();
    private boolean seen;
    private final Map<String, String> unnamed = new HashMap<>();
    private final Set<String> shown = new HashSet<>();

    TurnSink(String agent, TextStream text, EventSink events, String provider, Metrics metrics) {
        this.agent = agent;
        this.text = text;
        this.events = events;
        this.provider = provider;
        this.metrics = metrics;
    }

    @Override
    public void accept(Part part) {
        switch (part) {
            case Part.Text t -> {
                firstToken();
                text.text(t.text());
            }
            case Part.ToolCallStart s -> {
                firstToken();
                unnamed.put(s.callId(), s.name());
            }
            case Part.ToolCallArguments a -> {
                if (a.fragment().isEmpty()) return;
                delta(a.callId(), a.fragment());
            }
            case Part.ToolCallEnd e -> {
                if (!shown.contains(e.callId())) delta(e.callId(), ""); // a call without arguments still shows its name
            }
            case Part.Finish f -> { }
        }
    }

    /** The call's first delta carries its name. */
    private void delta(String callId, String fragment) {
        String name = shown.add(callId) ? unnamed.remove(callId) : null;
        events.emit(new RunEvent.ToolCallDelta(agent, callId, name, fragment));
    }

    private void firstToken() {
        if (!seen) {
            seen = true;
            metrics.firstToken(provider, (System.nanoTime() - start) / 1e9);
        }
    }
}
