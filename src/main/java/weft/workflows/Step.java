package weft.workflows;

import java.time.Duration;
import java.util.List;

/**
 * A workflow is a tree of steps, as in Google's Agent Development Kit: agents at the
 * leaves, and steps that run their children in order, at once, or in a loop. Steps nest.
 *
 * <p>Agents share the run's state: an agent with an {@code outputKey} stores its text there,
 * and instructions read it with {@code {key}} placeholders ({@code {input}} is the user's
 * message). Which keys exist is checked before a run starts.
 */
public sealed interface Step {

    String name();

    /**
     * One agent: calls to a model, and to the tools it gives the model. {@code instruction}
     * becomes its system prompt. {@code provider}, {@code model}, {@code timeout} and
     * {@code maxTokens} may be null (the run's, or none).
     */
    record Agent(String name, String instruction, String provider, String model, String outputKey,
                 Duration timeout, Integer maxTokens, List<weft.tools.ToolDeclaration> tools) implements Step {
        public Agent {
            tools = tools == null ? List.of() : List.copyOf(tools);
        }

        /** An agent without tools of its own. */
        public Agent(String name, String instruction, String provider, String model, String outputKey,
                     Duration timeout, Integer maxTokens) {
            this(name, instruction, provider, model, outputKey, timeout, maxTokens, List.of());
        }
    }

    /** Children one after another. */
    record Sequential(String name, List<Step> steps) implements Step {
        public Sequential { steps = List.copyOf(steps); }
    }

    /** Children at once, each on its own virtual thread in a {@code StructuredTaskScope}. */
    record Parallel(String name, List<Step> steps, FailurePolicy onFailure) implements Step {
        public Parallel { steps = List.copyOf(steps); }
    }

    /** Children in order, again, until {@code maxIterations} or until an agent writes {@code untilText}. */
    record Loop(String name, List<Step> steps, int maxIterations, String untilText) implements Step {
        public Loop { steps = List.copyOf(steps); }
    }

    /**
     * An agent whose answer must be a JSON plan {@code {"subtopics": [...]}} of {@code min}
     * to {@code max} items; a bad plan is asked for again once, with the reason. The items
     * are stored under {@code outputKey} as a JSON array.
     */
    record Plan(Agent agent, int min, int max) implements Step {
        public String name() { return agent.name(); }
    }

    /**
     * One copy of {@code template} per item of the JSON array under {@code overKey}, at
     * once ({@code {item}} in the instruction is the item); their texts are stored together
     * under {@code outputKey}, each under a heading naming its item.
     */
    record FanOut(String name, String overKey, Agent template, FailurePolicy onFailure, String outputKey)
            implements Step {}

    /** What a parallel step does when one of its agents fails. */
    enum FailurePolicy {
        /** The first failure cancels the siblings and fails the step. */
        ALL,
        /** The siblings finish; failed agents are reported and left out of the state. */
        BEST_EFFORT
    }
}
