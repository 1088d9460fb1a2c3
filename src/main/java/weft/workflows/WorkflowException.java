package weft.workflows;

/** A workflow that cannot go on, with the code its {@code error} event carries (e.g. {@code invalid_plan}). */
public final class WorkflowException extends Exception {
    private final String code;

    public WorkflowException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
