package weft.runs;

/**
 * The answer to a cancel of a run or of one agent, the same whichever instance executes it.
 *
 * @param status for {@code ENDED}: how the run or agent ended ({@code completed}, {@code cancelled} …)
 */
public record Cancellation(Outcome outcome, String status) {
    public enum Outcome {
        /** The run (or agent) is being stopped. */
        ACCEPTED,
        /** It had already ended: {@code status} says how. */
        ENDED,
        /** The run has no agent of that name (yet). */
        NO_SUCH_AGENT,
        /** The instance that executes the run did not answer in time. */
        NO_ANSWER
    }

    public static Cancellation accepted() {
        return new Cancellation(Outcome.ACCEPTED, null);
    }

    public static Cancellation ended(String status) {
        return new Cancellation(Outcome.ENDED, status);
    }
}
