package weft.runs;

import weft.events.LoggedEvent;
import weft.events.RunEvent;
import weft.metrics.Metrics;
import weft.providers.Usage;
import weft.store.EventLog;
import weft.store.RunLog;
import weft.store.RunRecord;
import weft.store.RunStatus;
import weft.store.RunStore;
import weft.store.SessionLocks;
import weft.store.SessionStore;
import weft.store.StoredMessage;
import weft.workflows.Workflows;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ends the runs of an instance that died: a run whose lease ran out is ended {@code failed}
 * with an {@code error} whose code is {@code instance_lost}. Its session keeps the text that
 * was streamed, marked {@code failed}, and every follower, on any instance, gets {@code done}.
 * The record's compare-and-set decides which surviving instance does it.
 */
public final class LostRuns {
    private static final System.Logger LOG = System.getLogger("weft");

    private final RunStore runs;
    private final EventLog events;
    private final SessionStore sessions;
    private final SessionLocks locks;
    private final Workflows workflows;
    private final Metrics metrics;

    public LostRuns(RunStore runs, EventLog events, SessionStore sessions, SessionLocks locks, Workflows workflows,
                    Metrics metrics) {
        this.runs = runs;
        this.events = events;
        this.sessions = sessions;
        this.locks = locks;
        this.workflows = workflows;
        this.metrics = metrics;
    }

    /** Ends a run whose instance is gone; does nothing if another instance got there first. */
    void end(RunRecord lost) throws InterruptedException {
        List<LoggedEvent> logged = events.all(lost.id()); // every page: the ending goes after the last one
        long last = logged.isEmpty() ? 0 : logged.getLast().seq();
        if (!logged.isEmpty() && logged.getLast().event() instanceof RunEvent.Done done) {
            // It finished, but its record was never updated: record what its done says.
            runs.end(lost.id(), new RunRecord.Ending(RunStatus.valueOf(done.status().toUpperCase(java.util.Locale.ROOT)),
                    done.output(), done.usage(), logged.getLast().ts(), last));
            return;
        }
        String output = output(lost.workflow(), logged);
        Usage usage = usage(logged);
        var ending = new RunRecord.Ending(RunStatus.FAILED, output, usage, System.currentTimeMillis(), last + 2);
        if (!runs.end(lost.id(), ending)) return;
        LOG.log(System.Logger.Level.WARNING, "run " + lost.id() + " lost its instance " + lost.instance() + "; ended it failed");
        metrics.error("instance_lost");
        metrics.runEnded(RunStatus.FAILED.wire(), (System.currentTimeMillis() - lost.createdAt()) / 1e3);
        if (lost.hasSession()) {
            // A run that went on from tool results had no message of the user's (its record's input is empty);
            // the lead it brought is not in the record, so the turn keeps only what was streamed.
            var turn = new java.util.ArrayList<StoredMessage>(2);
            if (!lost.input().isEmpty()) turn.add(new StoredMessage("user", lost.input(), "completed", lost.id()));
            turn.add(new StoredMessage("assistant", output, RunStatus.FAILED.messageStatus(), lost.id()));
            sessions.append(lost.sessionId(), turn);
            locks.release(lost.sessionId(), lost.id());
        }
        RunLog log = events.reopen(lost.id(), last);
        log.append(new RunEvent.Error("instance_lost", "the instance that ran this run (" + lost.instance()
                + ") stopped answering; the run ended with what had been streamed", true, null));
        log.append(new RunEvent.Done(RunStatus.FAILED.wire(), output, usage));
        log.sync();
    }

    /** The final step's agent that started last, and what it had streamed. */
    private String output(String workflowName, List<LoggedEvent> logged) {
        Set<String> finalAgents = workflows.find(workflowName).map(w -> w.finalAgents()).orElse(new HashSet<>());
        String agent = null;
        Map<String, StringBuilder> texts = new HashMap<>();
        for (LoggedEvent e : logged) {
            switch (e.event()) {
                case RunEvent.AgentStarted s when finalAgents.contains(s.agent()) -> {
                    agent = s.agent();
                    texts.put(agent, new StringBuilder());
                }
                case RunEvent.Delta d when texts.containsKey(d.agent()) -> texts.get(d.agent()).append(d.text());
                default -> { }
            }
        }
        return agent == null ? "" : texts.get(agent).toString();
    }

    /** What the agents reported, and for agents cut short an estimate of what they streamed. */
    private static Usage usage(List<LoggedEvent> logged) {
        Usage total = Usage.ZERO;
        Map<String, Long> unreported = new HashMap<>();
        for (LoggedEvent e : logged) {
            switch (e.event()) {
                case RunEvent.AgentStarted s -> unreported.put(s.agent(), 0L);
                case RunEvent.Delta d when unreported.containsKey(d.agent()) ->
                        unreported.merge(d.agent(), Usage.estimateTokens(d.text()), Long::sum);
                case RunEvent.AgentCompleted c -> {
                    total = total.plus(c.usage());
                    unreported.remove(c.agent());
                }
                default -> { }
            }
        }
        for (long tokens : unreported.values()) total = total.plus(new Usage(0, tokens, true));
        return total;
    }
}
