package weft.workflows;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A named workflow: what {@code "workflow"} in a run request picks. {@code toolAgents} are
 * agents outside the step tree that its agents may call as tools ({@code {"agent": name}}).
 */
public record Workflow(String name, String description, Step root, List<Step.Agent> toolAgents) {
    public Workflow {
        toolAgents = toolAgents == null ? List.of() : List.copyOf(toolAgents);
    }

    public Workflow(String name, String description, Step root) {
        this(name, description, root, List.of());
    }

    /** The tool agent called {@code name}. */
    public java.util.Optional<Step.Agent> toolAgent(String name) {
        return toolAgents.stream().filter(a -> a.name().equals(name)).findFirst();
    }

    /**
     * The agents that can give a run its answer: those of the last step (all of a final
     * loop's). The run's output is the text of whichever of them ran last.
     */
    public Set<String> finalAgents() {
        var names = new HashSet<String>();
        collectFinal(root, names);
        return names;
    }

    private static void collectFinal(Step step, Set<String> names) {
        switch (step) {
            case Step.Agent a -> names.add(a.name());
            case Step.Plan p -> names.add(p.agent().name());
            case Step.FanOut f -> { }
            case Step.Sequential s -> { if (!s.steps().isEmpty()) collectFinal(s.steps().getLast(), names); }
            case Step.Parallel p -> { if (!p.steps().isEmpty()) collectFinal(p.steps().getLast(), names); }
            case Step.Loop l -> l.steps().forEach(child -> collectFinal(child, names));
        }
    }
}
