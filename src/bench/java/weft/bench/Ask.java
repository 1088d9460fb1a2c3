package weft.bench;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * What one benchmark stream asks for: the JSON body of its {@code POST /v1/runs}, and in the
 * relay mode the tag by which the mock upstream knows the stream (null otherwise).
 *
 * <p>The tag travels as the run's {@code model}: Weft hands a run's model to the provider
 * unchanged, and it is the only field of a run that reaches the upstream without changing
 * the demo's answer (the answer is seeded by the prompt, not by the model name).
 */
record Ask(String body, String tag) {
    /** Every tagged model starts with the demo's model name; the upstream records only these. */
    static final String TAG_PREFIX = "weft-demo-1/";

    /**
     * The research mode's questions, taken in turn. Varied, so plans differ (two to five
     * researchers, plans of 18–39 tokens with the demo model), and each within the default
     * {@code --research-max-tokens} of 48, which the planner is held to as well.
     */
    static final java.util.List<String> RESEARCH_INPUTS = java.util.List.of(
            "How do server-sent events work?",
            "How does TCP congestion control work?",
            "Explain virtual threads in Java",
            "What is the CAP theorem about?",
            "Why use structured concurrency?",
            "What limits the throughput of a message queue?",
            "How do vector databases index embeddings?",
            "What makes garbage collectors pause?",
            "How does HTTP/2 multiplexing differ from HTTP/1.1 pipelining?",
            "Explain consistent hashing and load balancing",
            "Why do databases use write-ahead logs?",
            "How does backpressure work in reactive streams?",
            "When should a team adopt microservices?",
            "How do CDNs cache dynamic pages?",
            "What is eventual consistency?",
            "How do rate limiters handle bursts?");

    /** The core mode's question, the same for every stream (see {@link StreamClient#INPUT}). */
    static Ask chat(int maxTokens) {
        return new Ask("{\"input\":\"" + StreamClient.INPUT + "\",\"max_tokens\":" + maxTokens + "}", null);
    }

    /** The same question, with the stream's tag as its model. */
    static Ask taggedChat(int maxTokens, long n) {
        String tag = TAG_PREFIX + n;
        return new Ask("{\"input\":\"" + StreamClient.INPUT + "\",\"model\":\"" + tag + "\",\"max_tokens\":" + maxTokens + "}", tag);
    }

    /** The same request as a background run: {@code 202} with its id, the events read separately. */
    Ask inBackground() {
        return new Ask("{\"background\":true," + body.substring(1), tag);
    }

    /** A run of the built-in research workflow; {@code maxTokens} limits each of its agents. */
    static Ask research(String input, int maxTokens) {
        String quoted = new String(JsonStringEncoder.getInstance().quoteAsString(input));
        return new Ask("{\"workflow\":\"research\",\"input\":\"" + quoted + "\",\"max_tokens\":" + maxTokens + "}", null);
    }
}
