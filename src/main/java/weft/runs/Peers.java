package weft.runs;

/**
 * The other Weft instances that share this one's stores. A run is executed by one instance;
 * a request about it that reaches another is passed on: a cancel (answered by the executing
 * instance, as if it had been asked directly) and the coming and going of its followers
 * (which its {@code on_disconnect} policy watches).
 */
public interface Peers {

    /** What an instance does with what its peers pass on. */
    interface Listener {
        /** Cancels a run this instance executes, or one of its agents when {@code agent} is not null. */
        Cancellation cancel(String runId, String agent);

        /** Hands a client's answers to the tool calls of a run this instance executes. */
        weft.tools.ClientCalls.Delivery toolResults(String runId, java.util.List<weft.tools.ClientCalls.Answer> answers);

        /** A follower of a run this instance executes came ({@code +1}) or went ({@code -1}) elsewhere. */
        void followers(String runId, int change);
    }

    /** Asks {@code instance} to cancel a run (or one agent) and waits briefly for its answer. */
    Cancellation cancel(String instance, String runId, String agent);

    /** Passes a client's tool results to {@code instance} and waits briefly for its answer. */
    weft.tools.ClientCalls.Delivery toolResults(String instance, String runId, java.util.List<weft.tools.ClientCalls.Answer> answers);

    /** Tells {@code instance} that a follower of one of its runs came or went here. */
    void followers(String instance, String runId, int change);

    /** Starts passing this instance's requests to {@code listener}. */
    void listen(Listener listener);

    /** A single instance: there is nobody to pass anything to. */
    static Peers none() {
        return new Peers() {
            public Cancellation cancel(String instance, String runId, String agent) {
                return new Cancellation(Cancellation.Outcome.NO_ANSWER, null);
            }

            public weft.tools.ClientCalls.Delivery toolResults(String instance, String runId,
                                                               java.util.List<weft.tools.ClientCalls.Answer> answers) {
                return new weft.tools.ClientCalls.Delivery(weft.tools.ClientCalls.Outcome.NO_ANSWER, null);
            }

            public void followers(String instance, String runId, int change) { }

            public void listen(Listener listener) { }
        };
    }
}
