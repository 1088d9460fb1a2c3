package weft.store;

import weft.providers.Usage;

/**
 * A run as every instance sees it, kept in the {@link RunStore}: who owns it, where it
 * belongs, how it stands, and which instance executes it for how long yet.
 *
 * @param input      the user's message, which the session records when the run ends
 * @param instance   the instance that executes the run
 * @param leaseUntil epoch milliseconds until which that instance vouches for the run; it
 *                   renews the lease while the run goes on, and a run whose lease ran out
 *                   has lost its instance
 * @param doneSeq    the sequence number of the run's {@code done} event once it has ended, else 0
 * @param echo       what the request's own format repeats in its later answers about the run (a
 *                   Responses request's model, instructions, tools …), as JSON text that only that
 *                   format reads; null for a run that needs none (Weft's own, Chat Completions)
 */
public record RunRecord(String id, String owner, String sessionId, String workflow, String input, RunStatus status,
                        String output, Usage usage, long createdAt, long endedAt,
                        String instance, long leaseUntil, long doneSeq, String echo) {

    /** A run that has just been admitted on {@code instance}. */
    public static RunRecord started(String id, String owner, String sessionId, String workflow, String input,
                                    String instance, long now, long leaseUntil, String echo) {
        return new RunRecord(id, owner, sessionId, workflow, input, RunStatus.RUNNING, null, Usage.ZERO, now, 0,
                instance, leaseUntil, 0, echo);
    }

    /** How a run ended: what the compare-and-set from {@code running} writes. */
    public record Ending(RunStatus status, String output, Usage usage, long endedAt, long doneSeq) {
        public Ending {
            if (status == RunStatus.RUNNING) throw new IllegalArgumentException("an ending is not running");
        }
    }

    public boolean running() {
        return status == RunStatus.RUNNING;
    }

    /** Whether the run continues a session; a run given its whole conversation (Chat Completions) has none. */
    public boolean hasSession() {
        return sessionId != null;
    }

    public RunRecord endedAs(Ending e) {
        return new RunRecord(id, owner, sessionId, workflow, input, e.status(), e.output(), e.usage(), createdAt,
                e.endedAt(), instance, leaseUntil, e.doneSeq(), echo);
    }

    public RunRecord leasedUntil(long until) {
        return new RunRecord(id, owner, sessionId, workflow, input, status, output, usage, createdAt, endedAt, instance,
                until, doneSeq, echo);
    }
}
