package weft.bench;

/**
 * What one benchmark stream saw. Times are nanoseconds from just before the connect.
 *
 * @param ttfbNanos       to the first byte of the response (status line); -1 if none came
 * @param firstDeltaNanos to the arrival of the first {@code delta} event; -1 if none came
 * @param doneNanos       to the arrival of the {@code done} event; -1 if none came
 * @param gaps            the time between consecutive deltas' arrivals, {@code gapCount} of them
 * @param windowGaps      those of the gaps that ended while all the level's streams were open
 * @param events          SSE events of every type received (comments and {@code retry} are not events)
 * @param stalls          gaps (or a wait for the first delta) longer than the stall threshold
 * @param split           where the time to first delta went, by the server's own timestamps; null if unknown
 * @param tag             the stream's tag in the relay mode ({@link Ask}); null otherwise
 * @param deltaArrivals   for a tagged stream, each delta's arrival as {@link System#nanoTime()}; null otherwise
 * @param appendToRead    per live delta, from its {@code ts} (entering the run's log, epoch ms) to its arrival
 *                        on the same wall clock, {@code appendToReadCount} of them; ms steps (see {@link StreamClient})
 * @param windowAppendToRead those of them that arrived while all the level's streams were open
 * @param lostEvents      seq numbers skipped: events the stream never got
 * @param duplicateEvents events whose seq was not above the last one's
 */
record StreamResult(Outcome outcome, String detail, long ttfbNanos, long firstDeltaNanos, long doneNanos,
                    long[] gaps, int gapCount, long[] windowGaps, int windowGapCount, int deltas, int events, int stalls,
                    FirstDeltaSplit split, String tag, long[] deltaArrivals, long[] appendToRead, int appendToReadCount,
                    long[] windowAppendToRead, int windowAppendToReadCount, long lostEvents, long duplicateEvents) {

    /**
     * The time to first delta cut in three by the {@code ts} (epoch milliseconds) the server
     * stamps on each event when it enters the run's log, against this machine's same clock.
     * Millisecond resolution: a diagnosis, not a measurement of sub-millisecond latency.
     *
     * @param toRunStartedMillis     connect → run_started appended (accept, request, starting the run)
     * @param toFirstDeltaMillis     run_started → first delta appended (the run's start-up and the model's ttft)
     * @param deliveryMillis         first delta appended → read by the client (relay, network, client)
     */
    record FirstDeltaSplit(long toRunStartedMillis, long toFirstDeltaMillis, long deliveryMillis) {}

    enum Outcome {
        COMPLETED("completed"),
        HTTP_STATUS("answer was not 200"),
        NO_DONE("stream ended without done"),
        NOT_COMPLETED("done status was not completed"),
        IO_ERROR("connection failed");

        final String meaning;

        Outcome(String meaning) {
            this.meaning = meaning;
        }
    }

    boolean failed() {
        return outcome != Outcome.COMPLETED;
    }
}
