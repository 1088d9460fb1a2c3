package weft.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logs each kind of unexpected failure once, with its stack trace, rather than once per request:
 * a failure that every request meets (a class that could not load, a broken dependency) would
 * otherwise fill the log at the rate of the traffic. A kind is the throwable's class and message;
 * at most {@link #KINDS} are remembered, and beyond that one line says that others go unlogged.
 */
final class FailureLog {
    static final int KINDS = 256;

    private final System.Logger log = System.getLogger("weft");
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    void failed(String where, Throwable failure) {
        if (seen.size() >= KINDS) return;
        if (!seen.add(failure.getClass().getName() + ": " + failure.getMessage())) return;
        if (seen.size() >= KINDS) {
            log.log(System.Logger.Level.ERROR, KINDS + " kinds of unexpected failure logged; further kinds are not: "
                    + "weft_errors_total{code=\"internal_error\"} still counts them");
        }
        log.log(System.Logger.Level.ERROR, "unexpected failure on " + where
                + " (logged once; later requests that fail the same way are not)", failure);
    }
}
