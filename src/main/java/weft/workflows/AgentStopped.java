package weft.workflows;

/**
 * An agent ended without completing. It has already reported why (an {@code error} and an
 * {@code agent_completed} event), so whoever catches this only decides what it means for
 * the rest of the workflow.
 */
public final class AgentStopped extends Exception {
    /** How an agent that did not complete ended. */
    public enum Outcome { FAILED, TIMED_OUT, CANCELLED }

    private final String agent;
    private final Outcome outcome;

    public AgentStopped(String agent, Outcome outcome, String message, Throwable cause) {
        super(message, cause);
        this.agent = agent;
        this.outcome = outcome;
    }

    public String agent() { return agent; }

    public Outcome outcome() { return outcome; }
}
