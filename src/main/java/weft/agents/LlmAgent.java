package weft.agents;

import weft.events.RunEvent;
import weft.metrics.Metrics;
import weft.providers.ChatMessage;
import weft.providers.Completion;
import weft.providers.ModelRequest;
import weft.providers.Provider;
import weft.providers.Usage;
import weft.workflows.WorkflowException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One agent: calls its model, streams the text on as it arrives, runs the tools the model
 * asks for, gives the model their results, and again, until the model answers without
 * calling a tool. Then it reports the whole text and what all the calls cost.
 *
 * <pre>
 * model ─▶ text, tool calls ─▶ tools (at once, one subtask each) ─▶ results ─▶ model ─▶ … ─▶ text
 * </pre>
 *
 * <p>It runs as the one subtask of its own {@code StructuredTaskScope} (see {@code WorkflowRun}). Cancelling
 * that scope, or any scope above it, interrupts this thread inside {@link Provider#stream} or
 * in the tools' scope, which give up at once; the {@link Transcript} then holds exactly what
 * was streamed, for the run to record.
 */
public record LlmAgent(String name, String parent, Provider provider, ModelRequest request, Toolbox tools, int maxToolSteps) {

    public LlmAgent(String name, String parent, Provider provider, ModelRequest request) {
        this(name, parent, provider, request, Toolbox.NONE, 1);
    }

    public Transcript run(Transcript transcript, EventSink events, Metrics metrics)
            throws IOException, InterruptedException, WorkflowException {
        transcript.start();
        events.emit(new RunEvent.AgentStarted(name, parent));
        var text = new TextStream(name, request.documents(), events, transcript);
        var turns = new TurnSink(name, text, events, provider.name(), metrics);
        ModelRequest next = request.withTools(tools.specs());
        Usage used = Usage.ZERO;
        String finish;
        for (int step = 1; ; step++) {
            Completion answer = provider.complete(next, turns);
            finish = answer.normalizedFinish();
            text.finish();
            used = used.plus(answer.usage() != null ? answer.usage()
                    : new Usage(Usage.estimateTokens(promptText()), Usage.estimateTokens(answer.text()), true));
            transcript.stepDone(used);
            if (answer.toolCalls().isEmpty()) break;
            transcript.called(answer.text(), answer.toolCalls());
            if (step >= maxToolSteps) {
                throw new WorkflowException("tool_loop_limit", "agent '" + name + "' still called tools after "
                        + maxToolSteps + " model calls (WEFT_MAX_TOOL_STEPS); it was stopped");
            }
            Toolbox.Round round = tools.run(name, answer.toolCalls(), request.documents(), events);
            transcript.answered(round.results());
            if (!round.handedBack().isEmpty()) { // the client runs them and goes on with its next request
                finish = "tool_calls";
                break;
            }
            var more = new ArrayList<ChatMessage>();
            more.add(ChatMessage.assistant(answer.text(), answer.toolCalls()));
            for (var r : round.results()) more.add(ChatMessage.tool(r));
            // A choice that forces a call holds for the first answer only, or the model could never stop calling.
            next = next.continued(more).withToolChoice(weft.providers.ToolChoice.AUTO);
        }
        transcript.complete(used);
        events.emit(new RunEvent.AgentCompleted(name, transcript.text(), used, finish));
        return transcript;
    }

    /** The prompt as text, for estimating input tokens when a provider never reported them. */
    public String promptText() {
        var all = new StringBuilder(request.system() == null ? "" : request.system());
        request.messages().forEach(m -> all.append('\n').append(m.content()));
        request.documents().forEach(d -> all.append('\n').append(d.title()).append('\n').append(d.text()));
        return all.toString();
    }
}
