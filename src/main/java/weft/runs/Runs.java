package weft.runs;

import weft.events.LoggedEvent;
import weft.auth.Principal;
import weft.events.RunEvent;
import weft.metrics.Metrics;
import weft.providers.ChatMessage;
import weft.tools.ClientCalls;
import weft.providers.Providers;
import weft.store.EventLog;
import weft.store.IdempotencyKeys;
import weft.store.Ids;
import weft.store.RunRecord;
import weft.store.RunStatus;
import weft.store.RunStore;
import weft.store.Session;
import weft.store.SessionLocks;
import weft.store.SessionStore;
import weft.store.StoredMessage;
import weft.workflows.Stopper;
import weft.workflows.Workflow;
import weft.workflows.WorkflowRun;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What HTTP asks of runs: start one, find one, cancel one or one of its agents, follow one.
 * Runs are records in the {@link RunStore}, so any instance answers for any run; only
 * starting a run and stopping one that executes here involve this instance's
 * {@link RunExecutor}. A stop for a run that executes elsewhere goes to its instance through
 * {@link Peers}.
 */
public final class Runs implements Peers.Listener {
    private final String instance;
    private final RunStore records;
    private final EventLog events;
    private final SessionStore sessions;
    private final SessionLocks locks;
    private final IdempotencyKeys idempotency;
    private final Admission admission;
    private final RunExecutor executor;
    private final Followers followers;
    private final Peers peers;
    private final Providers providers;
    private final Metrics metrics;
    private final Limits limits;

    /** How long a lease lasts, and how long a session's history may grow. */
    public record Limits(Duration lease, long maxHistoryChars) {}

    /** The server tools runs may ask for, and what agents may do with tools. */
    public record Tooling(weft.tools.ServerTools server, weft.workflows.RunTools.Settings settings) {}

    /** An {@code Idempotency-Key} and a fingerprint of the request it came with. */
    public record Idempotency(String key, String fingerprint) {}

    /** A run that {@link #start} started, or found already started for the same idempotency key. */
    public record Started(RunRecord run, boolean existing) {}

    public Runs(String instance, RunStore records, EventLog events, SessionStore sessions, SessionLocks locks,
                IdempotencyKeys idempotency, Admission admission, RunExecutor executor, Followers followers,
                Peers peers, Providers providers, Metrics metrics, Limits limits, Tooling tooling) {
        this.tooling = tooling;
        this.instance = instance;
        this.records = records;
        this.events = events;
        this.sessions = sessions;
        this.locks = locks;
        this.idempotency = idempotency;
        this.admission = admission;
        this.executor = executor;
        this.followers = followers;
        this.peers = peers;
        this.providers = providers;
        this.metrics = metrics;
        this.limits = limits;
        metrics.gauge("weft_active_runs", "Runs executing on this instance now.", executor::count);
        peers.listen(this);
    }

    /**
     * Checks the request, then starts the run on its own virtual thread and returns at once.
     * With an idempotency key that the caller used before, returns that run instead.
     *
     * @throws Refusal when the request cannot be served, saying what to change
     */
    private final Tooling tooling;

    public Started start(RunRequest request, Principal caller, Idempotency idem) {
        String subject = caller.subject();
        String runId = Ids.newId("r_");
        Workflow workflow = admission.admit(request, caller, runId);
        String claimedSession = null;
        boolean claimedKey = false;
        boolean counted = true;
        Execution admitted = null;
        try {
            if (idem != null) {
                var earlier = idempotency.claim(subject, idem.key(), new IdempotencyKeys.Claim(runId, idem.fingerprint()));
                if (earlier.isPresent()) {
                    // Not a new run: it takes no place and no rate token.
                    admission.undo(caller, runId);
                    counted = false;
                    return new Started(replay(earlier.get(), idem, subject), true);
                }
                claimedKey = true;
            }
            String sessionId = null;
            var conversation = request.conversation();
            List<ChatMessage> history = conversation.given();
            if (conversation.inSession()) {
                Session session = session(conversation.sessionId(), subject);
                locks.claim(session.id(), runId).ifPresent(running -> {
                    throw new Refusal(Refusal.Kind.CONFLICT, "session '" + session.id() + "' already has a running run ("
                            + running + "): wait for it to end or cancel it");
                });
                claimedSession = sessionId = session.id();
                history = history(session, conversation.lead());
            }

            long now = System.currentTimeMillis();
            String input = request.input() == null ? "" : request.input();
            var record = RunRecord.started(runId, subject, sessionId, request.workflow(), input, instance,
                    now, now + limits.lease().toMillis(), request.echo());
            var stopper = new Stopper<RunStatus>();
            var log = events.create(runId);
            var model = request.model();
            var workflowRun = new WorkflowRun(workflow, new WorkflowRun.Inputs(request.input(), model.system(),
                    history, request.documents(), model.provider(), model.model(), model.maxTokens(), model.sampling(),
                    request.tooling().choice()),
                    providers, log::append, metrics, stopper::stopRequested,
                    new weft.workflows.RunTools(tooling.server(), request.tooling().tools(), tooling.settings(),
                            request.tooling().handBack()));
            admitted = new Execution(record, caller.limitKey(), request.input(), conversation.lead(), request.delivery().onDisconnect(), log,
                    workflowRun, stopper);
            executor.admit(admitted);
            records.create(record);
            metrics.runStarted();
            var delivery = request.delivery();
            if (delivery.background() && delivery.onDisconnect() == OnDisconnect.GRACE) followers.unfollowedFromStart(admitted);
            executor.launch(admitted);
            return new Started(record, false);
        } catch (RuntimeException refused) {
            if (counted) admission.undo(caller, runId);
            if (admitted != null) forget(admitted);
            if (claimedSession != null) locks.release(claimedSession, runId);
            if (claimedKey) idempotency.release(subject, idem.key(), runId);
            throw refused;
        }
    }

    /** A run refused after its parts were made: nothing of it may stay behind. */
    private void forget(Execution run) {
        executor.forget(run);
        try {
            events.delete(run.id());
        } catch (RuntimeException storeDown) {
            // Nothing was appended; a shared log's key would expire by itself.
        }
    }

    /** The run an idempotency key was first used for: the same request gets it again, another is refused. */
    private RunRecord replay(IdempotencyKeys.Claim earlier, Idempotency idem, String subject) {
        if (!earlier.fingerprint().equals(idem.fingerprint())) {
            throw new Refusal(Refusal.Kind.CONFLICT, "Idempotency-Key '" + idem.key() + "' was used for run "
                    + earlier.runId() + " with another body: send that same body, or use a new key for a new run");
        }
        return find(earlier.runId(), subject).orElseThrow(() -> new Refusal(Refusal.Kind.CONFLICT,
                "Idempotency-Key '" + idem.key() + "' belongs to run " + earlier.runId()
                        + ", which has been forgotten: use a new key"));
    }

    /** The session the run continues, or a new one; its history must leave room for the new turn. */
    private Session session(String sessionId, String subject) {
        if (sessionId == null) return sessions.create(subject);
        Session session = sessions.find(sessionId).filter(s -> s.owner().equals(subject)).orElseThrow(
                () -> new Refusal(Refusal.Kind.NOT_FOUND, "unknown session '" + sessionId
                        + "': leave session_id out to start a new conversation"));
        if (session.historyChars() > limits.maxHistoryChars()) {
            throw new Refusal(Refusal.Kind.CONFLICT, "session '" + sessionId + "' holds " + session.historyChars()
                    + " characters of history, over the limit of " + limits.maxHistoryChars()
                    + " (WEFT_MAX_HISTORY_CHARS): leave session_id out to start a new session, or DELETE /v1/sessions/"
                    + sessionId);
        }
        return session;
    }

    static List<ChatMessage> history(Session session) {
        return history(session, List.of());
    }

    /**
     * The session's messages as a model sees them, then the run's {@code lead}. A call whose
     * result never came (its run was stopped during its tools, or it was handed back and the
     * lead does not answer it) is left out, its text kept: every provider refuses a
     * conversation with a call that has no result.
     */
    static List<ChatMessage> history(Session session, List<ChatMessage> lead) {
        var answered = new java.util.HashSet<String>();
        for (StoredMessage m : session.messages()) if (m.toolResult() != null) answered.add(m.toolResult().callId());
        for (ChatMessage m : lead) if (m.result() != null) answered.add(m.result().callId());
        var messages = new ArrayList<ChatMessage>();
        for (StoredMessage m : session.messages()) {
            switch (m.role()) {
                case "user" -> messages.add(ChatMessage.user(m.content()));
                case "tool" -> { if (m.toolResult() != null) messages.add(ChatMessage.tool(m.toolResult())); }
                default -> {
                    var calls = m.toolCalls().stream().filter(c -> answered.contains(c.id())).toList();
                    messages.add(ChatMessage.assistant(m.content(), calls));
                }
            }
        }
        messages.addAll(lead);
        return messages;
    }

    /** The subject's run, running or ended within its retention. */
    public Optional<RunRecord> find(String runId, String subject) {
        return records.find(runId).filter(run -> run.owner().equals(subject));
    }

    /** Cancels a run: accepted while it runs, refused with its status once it has ended, on any instance. */
    public Cancellation cancel(RunRecord run) {
        if (!run.running()) return Cancellation.ended(run.status().wire());
        if (!run.instance().equals(instance)) return peers.cancel(run.instance(), run.id(), null);
        return executor.cancel(run.id(), RunStatus.CANCELLED).orElseGet(() -> endedAnswer(run.id()));
    }

    /** Cancels one agent of a run, on any instance. */
    public Cancellation cancelAgent(RunRecord run, String agent) throws InterruptedException {
        if (run.running() && !run.instance().equals(instance)) return peers.cancel(run.instance(), run.id(), agent);
        var here = run.running() ? executor.cancelAgent(run.id(), agent) : Optional.<Cancellation>empty();
        return here.isPresent() ? here.get() : endedAgent(records.find(run.id()).orElse(run), agent);
    }

    /** For an ended run: how the agent ended, as its events tell. */
    private Cancellation endedAgent(RunRecord run, String agent) throws InterruptedException {
        boolean started = false;
        String ended = null;
        for (LoggedEvent e : events.all(run.id())) {
            switch (e.event()) {
                case RunEvent.AgentStarted s when s.agent().equals(agent) -> {
                    started = true;
                    ended = null;
                }
                case RunEvent.Error err when agent.equals(err.agent()) -> ended = switch (err.code()) {
                    case "cancelled" -> "cancelled";
                    case "timed_out" -> "timed_out";
                    default -> "failed";
                };
                default -> { }
            }
        }
        if (!started) return new Cancellation(Cancellation.Outcome.NO_SUCH_AGENT, null);
        // An agent that reported no failure of its own ended as its run did.
        return Cancellation.ended(ended != null ? ended : run.running() ? "completed" : run.status().wire());
    }

    private Cancellation endedAnswer(String runId) {
        return records.find(runId).filter(r -> !r.running()).map(r -> Cancellation.ended(r.status().wire()))
                .orElse(new Cancellation(Cancellation.Outcome.NO_ANSWER, null));
    }

    /** Hands a client's answers to the run's waiting tool calls, on whichever instance executes it. */
    public ClientCalls.Delivery toolResults(RunRecord run, List<ClientCalls.Answer> answers) {
        if (!run.running()) return new ClientCalls.Delivery(ClientCalls.Outcome.NOT_WAITING, null);
        if (!run.instance().equals(instance)) return peers.toolResults(run.instance(), run.id(), answers);
        return toolResults(run.id(), answers);
    }

    /**
     * The client tool calls a running run waits for: each {@code tool_call} for the client in
     * its log that has no {@code tool_result} yet. Read from the log, so any instance can say.
     */
    public List<RunEvent.ToolCall> waitingCalls(RunRecord run) throws InterruptedException {
        if (!run.running()) return List.of();
        var open = new java.util.LinkedHashMap<String, RunEvent.ToolCall>();
        for (LoggedEvent e : events.all(run.id())) {
            switch (e.event()) {
                case RunEvent.ToolCall c when c.executor().equals("client") -> open.put(c.callId(), c);
                case RunEvent.ToolResult r -> open.remove(r.callId());
                default -> { }
            }
        }
        return List.copyOf(open.values());
    }

    /** A client started following the run. */
    public void attach(RunRecord run) {
        followers.came(run);
    }

    /** A client stopped following it; the run's {@code on_disconnect} policy may apply. */
    public void detach(RunRecord run) {
        followers.left(run);
    }

    // What peers pass on about the runs executing here.

    @Override
    public Cancellation cancel(String runId, String agent) {
        if (agent == null) return executor.cancel(runId, RunStatus.CANCELLED).orElseGet(() -> endedAnswer(runId));
        var here = executor.cancelAgent(runId, agent);
        if (here.isPresent()) return here.get();
        try {
            var record = records.find(runId);
            return record.isPresent() ? endedAgent(record.get(), agent) : new Cancellation(Cancellation.Outcome.NO_ANSWER, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Cancellation(Cancellation.Outcome.NO_ANSWER, null);
        }
    }

    @Override
    public ClientCalls.Delivery toolResults(String runId, List<ClientCalls.Answer> answers) {
        return executor.find(runId).map(run -> run.workflow.clientCalls().deliver(answers))
                .orElse(new ClientCalls.Delivery(ClientCalls.Outcome.NOT_WAITING, null));
    }

    @Override
    public void followers(String runId, int change) {
        followers.changed(runId, change);
    }

    /**
     * Stops taking runs, lets running ones finish for {@code grace}, then cancels the rest
     * and waits briefly for their {@code done} events, so every open stream ends properly.
     */
    public void shutdown(Duration grace) {
        admission.drain();
        executor.shutdown(grace);
    }
}
