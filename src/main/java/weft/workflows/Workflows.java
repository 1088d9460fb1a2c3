package weft.workflows;

import weft.tools.ToolDeclaration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The workflows a run can name: {@code chat} and {@code research}, built in, and those
 * loaded from {@code WEFT_WORKFLOWS}.
 */
public final class Workflows {
    /** One agent, {@code assistant}, whose system prompt is the run's {@code system}, taken literally. */
    public static final String CHAT = "chat";

    private final Map<String, Workflow> byName = new LinkedHashMap<>();

    public Workflows(List<Workflow> loaded) {
        byName.put(CHAT, chat());
        byName.put("research", research());
        for (Workflow w : loaded) {
            if (byName.putIfAbsent(w.name(), w) != null) {
                throw new IllegalArgumentException("workflow '" + w.name() + "' is defined twice (chat and research are built in)");
            }
        }
    }

    /** The workflow a run asked for. */
    public Optional<Workflow> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public List<Workflow> all() {
        return new ArrayList<>(byName.values());
    }

    /** Its agent has no instruction: it gets the run's {@code system} prompt, which is not a template. */
    static Workflow chat() {
        return new Workflow(CHAT, "One agent answers, with the session's history.",
                new Step.Agent("assistant", null, null, null, null, null, null));
    }

    /**
     * A planner splits the question into subtopics, one researcher per subtopic works on it
     * at once (a failing researcher is left out), and a synthesizer writes the cited answer
     * from their notes, searching the run's documents as it goes.
     */
    static Workflow research() {
        var planner = new Step.Agent("planner", """
                You plan research. Split the user's question into 2 to 5 distinct subtopics that together answer it. \
                Answer with JSON only, exactly of the form {"subtopics": ["…", "…"]}.""",
                null, null, "plan", null, null);
        var researcher = new Step.Agent("researcher", """
                You research one subtopic of the user's question and write a few focused paragraphs on it.
                Subtopic: {item}""", null, null, null, Duration.ofMinutes(3), null);
        // The documents tool is offered only to a run that has documents (RunTools).
        var synthesizer = new Step.Agent("synthesizer", """
                You write the final answer to the user's question from the research notes below. \
                Cite the supplied documents as [n] where they support a statement; search them with the \
                documents tool for what the notes leave open.
                Research notes:
                {research}""", null, null, null, null, null, List.of(new ToolDeclaration.Server("documents")));
        return new Workflow("research", "A planner splits the question, researchers work on the parts at once, "
                + "a synthesizer writes the cited answer.",
                new Step.Sequential("research", List.of(
                        new Step.Plan(planner, 2, 5),
                        new Step.FanOut("researchers", "plan", researcher, Step.FailurePolicy.BEST_EFFORT, "research"),
                        synthesizer)));
    }
}
