package weft.runs;

import weft.events.RunEvent;
import weft.store.RunStatus;
import weft.workflows.AgentStopped;
import weft.workflows.Stopper;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Executes the runs this instance owns, each on its own virtual thread inside a
 * {@link StructuredTaskScope} whose timeout is the run's time limit, and stops them on
 * request. It holds only what cannot leave the process; a run is in its map from launch
 * until its ending is written.
 *
 * <p>A run never writes to a connection: it appends events to its log and followers read
 * the log. That is why a client may disconnect and resume, several may follow one run, and
 * a run can outlive every connection.
 */
public final class RunExecutor {
    /** How long shutdown waits for cancelled runs to write their final events. */
    private static final Duration CANCEL_WAIT = Duration.ofSeconds(1);

    private final Duration runTimeout;
    private final RunFinisher finisher;
    private final ConcurrentMap<String, Execution> executing = new ConcurrentHashMap<>();

    public RunExecutor(Duration runTimeout, RunFinisher finisher) {
        this.runTimeout = runTimeout;
        this.finisher = finisher;
    }

    /**
     * Takes a run in before its record is written, so that a cancel which finds the record
     * (here or through a peer) always finds the run as well.
     */
    void admit(Execution run) {
        executing.put(run.id(), run);
    }

    /** Lets go of an admitted run that will not start after all. */
    void forget(Execution run) {
        executing.remove(run.id(), run);
    }

    /** Starts an admitted run on its own virtual thread. */
    void launch(Execution run) {
        Thread.ofVirtual().name("run " + run.id()).start(() -> {
            try {
                execute(run);
            } finally {
                executing.remove(run.id(), run);
            }
        });
    }

    Optional<Execution> find(String runId) {
        return Optional.ofNullable(executing.get(runId));
    }

    /** The runs executing here, whose leases this instance renews. */
    Set<String> ids() {
        return Set.copyOf(executing.keySet());
    }

    int count() {
        return executing.size();
    }

    /** Cancels a run executing here: accepted while it runs, refused with its status once it has ended. */
    Optional<Cancellation> cancel(String runId, RunStatus why) {
        return find(runId).map(run -> answer(run.stopper.stop(why)));
    }

    /** Cancels one agent of a run executing here. */
    Optional<Cancellation> cancelAgent(String runId, String agent) {
        return find(runId).map(run -> run.workflow.cancelAgent(agent).map(answer -> answer.accepted()
                ? Cancellation.accepted()
                : Cancellation.ended(answer.outcome() == null ? "completed"
                        : answer.outcome().name().toLowerCase(java.util.Locale.ROOT)))
                .orElse(new Cancellation(Cancellation.Outcome.NO_SUCH_AGENT, null)));
    }

    private static Cancellation answer(Stopper.Answer<RunStatus> answer) {
        return answer.accepted() ? Cancellation.accepted() : Cancellation.ended(answer.outcome().wire());
    }

    /** The body of a run's owner thread. Whatever happens, the run is finished. */
    private void execute(Execution run) {
        RunStatus status = RunStatus.FAILED;
        Throwable failure = null;
        Stopper<RunStatus> stopper = run.stopper;
        try {
            run.log.append(new RunEvent.RunStarted(run.started.workflow(), run.started.sessionId()));
            if (!stopper.enter()) {
                status = stopper.skip(RunStatus.CANCELLED);
            } else {
                RunStatus scopeEnded;
                try (var scope = StructuredTaskScope.open(Joiner.awaitAllSuccessfulOrThrow(),
                        config -> config.withTimeout(runTimeout))) {
                    scope.fork(() -> {
                        run.workflow.execute();
                        return null;
                    });
                    scope.join();
                    scopeEnded = RunStatus.COMPLETED;
                } catch (InterruptedException e) {
                    scopeEnded = RunStatus.CANCELLED;
                } catch (StructuredTaskScope.TimeoutException e) {
                    scopeEnded = RunStatus.TIMED_OUT;
                } catch (StructuredTaskScope.FailedException e) {
                    failure = e.getCause();
                    boolean agentCancelled = failure instanceof AgentStopped stopped
                            && stopped.outcome() == AgentStopped.Outcome.CANCELLED;
                    scopeEnded = agentCancelled ? RunStatus.CANCELLED : RunStatus.FAILED;
                }
                status = stopper.leave(scopeEnded);
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            status = stopper.skip(RunStatus.FAILED);
        } finally {
            finisher.finish(run, status, failure);
        }
    }

    /**
     * Lets running runs finish for {@code grace}, then cancels the rest and waits briefly for
     * their {@code done} events, so every open stream ends properly.
     */
    void shutdown(Duration grace) {
        List<Execution> running = List.copyOf(executing.values());
        if (!awaitAll(running, grace)) {
            running.forEach(run -> run.stopper.stop(RunStatus.CANCELLED));
            awaitAll(running, CANCEL_WAIT);
        }
    }

    private static boolean awaitAll(List<Execution> running, Duration timeout) {
        try {
            CompletableFuture.allOf(running.stream().map(r -> r.finished).toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a run's completion never fails", e);
        }
    }
}
