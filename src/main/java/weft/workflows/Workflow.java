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

    /**
     * The one agent whose text, as it streams, is the run's answer: the last step's agent when
     * that step runs it once. Empty when the last step is a loop (the answer is whichever pass
     * ends it) or runs several agents at once: then the answer is only known at the end.
     */
    public java.util.Optional<String> answerAgent() {
        Step last = root;
        while (true) {
            switch (last) {
                case Step.Agent a -> { return java.util.Optional.of(a.name()); }
                case Step.Plan p -> { return java.util.Optional.of(p.agent().name()); }
                case Step.Sequential s when !s.steps().isEmpty() -> last = s.steps().getLast();
                case Step.Parallel p when p.steps().size() == 1 -> last = p.steps().getFirst();
                default -> { return java.util.Optional.empty(); }
            }
        }
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
