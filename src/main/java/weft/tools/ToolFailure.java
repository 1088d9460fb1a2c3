package weft.tools;

/**
 * A tool could not do what it was asked. Not a crash: the message goes back to the model as
 * the call's error result (so it can correct itself), and to clients in {@code tool_result}.
 *
 * @see #code() a short machine-readable reason, such as {@code invalid_arguments} or {@code tool_timeout}
 */
public final class ToolFailure extends Exception {
    private final String code;

    public ToolFailure(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
