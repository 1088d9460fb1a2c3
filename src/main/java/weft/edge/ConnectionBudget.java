package weft.edge;

import java.lang.management.ManagementFactory;

/**
 * How many connections Weft serves at once ({@code maxConnections}, {@code WEFT_MAX_CONNECTIONS})
 * and how many the JDK server may hold open at all ({@code hardCap}, a few more, so that the
 * ones over the limit can still be told {@code 503}). Both stay below the process's file limit:
 * every connection takes a file descriptor, and a server with none left cannot even load a
 * class, so it stops answering for good.
 */
public record ConnectionBudget(int maxConnections, int hardCap) {
    /** Descriptors kept for the server itself: its jars, the selector, Redis, providers, logs. */
    static final int RESERVED = 64;
    static final int MOST = 20_000;

    /** {@code configured} 0 derives the limit from the file limit; a value that does not fit it is refused. */
    public static ConnectionBudget of(int configured, long fileLimit) {
        if (configured == 0) {
            long derived = fileLimit <= 0 ? MOST : Math.clamp((fileLimit - RESERVED) / 2, 1, MOST);
            return new ConnectionBudget((int) derived, hardCap((int) derived));
        }
        if (fileLimit > 0 && hardCap(configured) + (long) RESERVED > fileLimit) {
            throw new IllegalArgumentException("WEFT_MAX_CONNECTIONS=" + configured + " does not fit the file limit of "
                    + fileLimit + " (ulimit -n): every connection takes a file descriptor, the server holds up to "
                    + hardCap(configured) + " connections (a few over the limit, to answer them 503) and keeps "
                    + RESERVED + " descriptors for itself; set WEFT_MAX_CONNECTIONS to at most " + mostThatFits(fileLimit)
                    + ", or to 0 to derive it from the file limit, or raise the file limit");
        }
        return new ConnectionBudget(configured, hardCap(configured));
    }

    /** The process's limit on open files, or 0 where the platform does not say. */
    public static long fileLimit() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : 0;
    }

    static int hardCap(int maxConnections) {
        return (int) Math.min(Integer.MAX_VALUE, maxConnections + Math.max(16L, maxConnections / 16));
    }

    private static long mostThatFits(long fileLimit) {
        long n = Math.max(0, (fileLimit - RESERVED) * 16 / 17);
        while (n > 0 && hardCap((int) Math.min(n, Integer.MAX_VALUE)) + (long) RESERVED > fileLimit) n--;
        return n;
    }
}
