package weft.runs;

import java.util.Locale;

/** What a run does when no client follows it any more. */
public enum OnDisconnect {
    /** Run to the end; a client may resume later. */
    CONTINUE,
    /** Cancel at once. */
    CANCEL,
    /** Keep going while a client may come back; cancel if none has followed for the grace period. */
    GRACE;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
