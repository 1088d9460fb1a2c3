package weft.testing;

import weft.providers.ModelRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which part of the built-in {@code research} workflow a model request plays, read from its
 * system prompt (the agent's instruction), so one {@link ScriptedProvider} can answer the
 * planner, every researcher and the synthesizer of a run.
 */
public final class Roles {
    /** The parts of the research workflow, and anything else. */
    public enum Role { PLANNER, RESEARCHER, SYNTHESIZER, OTHER }

    private static final Pattern SUBTOPIC = Pattern.compile("(?m)^Subtopic: (.*)$");

    private Roles() {}

    public static Role of(ModelRequest request) {
        String system = request.system() == null ? "" : request.system();
        if (system.contains("{\"subtopics\"")) return Role.PLANNER;
        if (SUBTOPIC.matcher(system).find()) return Role.RESEARCHER;
        if (system.contains("Research notes:")) return Role.SYNTHESIZER;
        return Role.OTHER;
    }

    /** The subtopic a researcher's request is about. */
    public static String subtopic(ModelRequest request) {
        Matcher m = SUBTOPIC.matcher(request.system() == null ? "" : request.system());
        if (!m.find()) throw new AssertionError("not a researcher's request: " + request.system());
        return m.group(1);
    }

    /** One script for the whole research workflow: each role answered by its own function. */
    public static Function<ModelRequest, List<String>> research(Function<ModelRequest, List<String>> planner,
                                                                Function<String, List<String>> researcher,
                                                                Function<ModelRequest, List<String>> synthesizer) {
        return request -> switch (of(request)) {
            case PLANNER -> planner.apply(request);
            case RESEARCHER -> researcher.apply(subtopic(request));
            case SYNTHESIZER -> synthesizer.apply(request);
            case OTHER -> throw new AssertionError("a request the research workflow does not make: " + request.system());
        };
    }

    /** A valid plan, cut into several pieces as a model would stream it. */
    public static List<String> plan(String... subtopics) {
        var pieces = new ArrayList<String>();
        pieces.add("{\"subtopics\": [");
        for (int i = 0; i < subtopics.length; i++) {
            pieces.add("\"" + subtopics[i] + "\"" + (i + 1 < subtopics.length ? ", " : ""));
        }
        pieces.add("]}");
        return pieces;
    }

    /** What the scripts in these tests have a researcher write on a subtopic. */
    public static List<String> notes(String subtopic, int pieces) {
        var out = new ArrayList<String>();
        out.add("Notes on " + subtopic + ":");
        for (int i = 1; i < pieces; i++) out.add(" point " + i + " on " + subtopic + ".");
        return out;
    }
}
