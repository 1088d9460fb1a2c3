package weft.agents;

import weft.providers.Usage;

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

    /** The provider's usage, or an estimate from the prompt and the streamed text when it never came. */
    public Usage usage(String prompt) {
        if (usage != null) return usage;
        return new Usage(Usage.estimateTokens(prompt), Usage.estimateTokens(text()), true);
    }
}
