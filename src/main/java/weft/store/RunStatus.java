package weft.store;

import java.util.Locale;

/** Where a run is: running, or how it ended. */
public enum RunStatus {
    RUNNING, COMPLETED, CANCELLED, FAILED, TIMED_OUT;

    /** As the contract spells it: {@code timed_out}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The status of the assistant's message in the session when a run ends this way. */
    public String messageStatus() {
        return switch (this) {
            case COMPLETED -> "completed";
            case FAILED -> "failed";
            case CANCELLED, TIMED_OUT, RUNNING -> "interrupted";
        };
    }
}
