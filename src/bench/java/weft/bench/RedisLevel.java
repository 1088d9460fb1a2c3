package weft.bench;

/**
 * What Redis did for one level of Weft on Redis.
 *
 * @param level       Redis's counters from just before the level's first stream to just after its
 *                    last: every command the level cost, per-run ones (records, sessions, locks) included
 * @param levelDeltas deltas the clients received over the same stretch (every stream of the level)
 * @param window      counters over the window in which all streams were open (its stats are null
 *                    if there was no such window), and the clients connected during the level
 * @param clientNames each instance's Redis client name, A first (null where unknown)
 */
record RedisLevel(RedisStats level, long levelDeltas, RedisMeter.Window window, java.util.List<String> clientNames) {

    /** A count of the level's per delta received. */
    double perDelta(long count) {
        return levelDeltas > 0 ? count / (double) levelDeltas : Double.NaN;
    }

    /** Redis's CPU over the level ({@code INFO cpu}) per delta, in µs. */
    double cpuMicrosPerDelta() {
        return levelDeltas > 0 ? level.cpuSeconds() * 1e6 / levelDeltas : Double.NaN;
    }

    /** Commands per round trip (socket read): how well the level's traffic was pipelined. */
    double commandsPerRoundTrip() {
        return level.reads() > 0 ? level.commands() / (double) level.reads() : Double.NaN;
    }
}
