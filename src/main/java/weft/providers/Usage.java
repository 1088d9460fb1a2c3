package weft.providers;

/**
 * Tokens a call consumed and produced. {@code estimated} is true when the provider never
 * reported usage (the call was cut short) and the counts were derived from the text.
 */
public record Usage(long inputTokens, long outputTokens, boolean estimated) {
    public static final Usage ZERO = new Usage(0, 0, false);

    public Usage plus(Usage other) {
        return new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens,
                estimated || other.estimated);
    }

    /** A rough count for text a provider never reported on: about four characters a token. */
    public static long estimateTokens(String text) {
        return (text.codePointCount(0, text.length()) + 3) / 4;
    }
}
