package weft.agents;

import weft.providers.ChatMessage;
import weft.providers.ToolCall;
import weft.providers.ToolResult;
import weft.providers.Usage;

import java.util.ArrayList;
import java.util.List;

/**
 * What one agent has streamed so far. Written only by the agent's own thread while it runs;
 * the run reads it after the agent's scope has closed (which orders the reads after the
 * writes), so that an agent stopped half-way still leaves exactly the text its clients got.
 */
public final class Transcript {
    private final String agent;
    private final StringBuilder text = new StringBuilder();
    private volatile boolean started;
    private volatile boolean reported;
    private volatile Usage usage;
    private volatile long firstTextNanos;
    /** What the model calls that ended cost, and where the text of the call under way begins. */
    private volatile Usage spent = Usage.ZERO;
    private volatile int stepStart;
    /** The tool calls made and answered so far, as the model's conversation goes on. */
    private final List<ChatMessage> exchanged = new ArrayList<>();
    private int exchangedTextEnd;

    public Transcript(String agent) {
        this.agent = agent;
    }

    public String agent() { return agent; }

    public String text() { return text.toString(); }

    void start() { started = true; }

    /** Whether the agent announced itself (a run stopped before that has nothing to report). */
    public boolean started() { return started; }

    void append(String delta) {
        if (firstTextNanos == 0 && !delta.isEmpty()) firstTextNanos = System.nanoTime();
        text.append(delta);
    }

    /** {@link System#nanoTime()} when the first text came, or 0 if none has. */
    public long firstTextNanos() { return firstTextNanos; }

    void complete(Usage reported) {
        usage = reported;
        this.reported = true;
    }

    /** The agent's {@code agent_completed} event has been written (by the agent, or for it). */
    public boolean reported() { return reported; }

    public void markReported() { reported = true; }

    /** Whether the agent finished and its provider reported usage. */
    public boolean completed() { return usage != null; }

    /** A model call ended; {@code total} is what every call of this agent has cost so far. */
    void stepDone(Usage total) {
        spent = total;
        stepStart = text.length();
    }

    /** The model called tools, having written {@code said} first. */
    void called(String said, List<ToolCall> calls) {
        exchanged.add(ChatMessage.assistant(said, calls));
        exchangedTextEnd = text.length();
    }

    /** The calls of the last {@link #called} have their results. */
    void answered(List<ToolResult> results) {
        for (ToolResult r : results) exchanged.add(ChatMessage.tool(r));
    }

    /**
     * The agent's turn as history records it: each round of tool calls with its results, then
     * the text written after the last one. A round whose results never came (the agent was
     * stopped during its tools) ends the turn with its calls; history must not show those to
     * a model again (see {@code Runs.history}).
     */
    public List<ChatMessage> turn() {
        var all = new ArrayList<>(exchanged);
        String after = text.substring(exchangedTextEnd);
        boolean unanswered = !all.isEmpty() && all.getLast().role() == ChatMessage.Role.ASSISTANT;
        if (!unanswered || !after.isEmpty()) all.add(ChatMessage.assistant(after));
        return all;
    }

    /**
     * The provider's usage, or, for a call cut short, what the calls before it cost plus an
     * estimate from the prompt and the text streamed since.
     */
    public Usage usage(String prompt) {
        if (usage != null) return usage;
        Usage before = spent;
        long input = before.inputTokens() > 0 ? 0 : Usage.estimateTokens(prompt);
        return before.plus(new Usage(input, Usage.estimateTokens(text.substring(stepStart)), true));
    }
}
