package weft.tools;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tools Weft itself runs, by name, for a run that asks for them. Names are unique, since a
 * model calls a tool by its name alone.
 */
public final class ServerTools {
    private final Map<String, Tool> tools = new LinkedHashMap<>();

    public ServerTools(List<Tool> tools) {
        for (Tool tool : tools) {
            String name = tool.spec().name();
            if (this.tools.putIfAbsent(name, tool) != null) {
                throw new IllegalArgumentException("two server tools are named '" + name + "'");
            }
        }
    }

    /** The built-in tools; the clock is the calling code's so tests can fix the time. */
    public static ServerTools builtIn(java.time.Clock clock) {
        return new ServerTools(List.of(new Calculator(), new Clock(clock), new DocumentSearch()));
    }

    public Optional<Tool> find(String name) {
        return Optional.ofNullable(tools.get(name));
    }

    /** The tools' names, in the order they were given. */
    public List<String> names() {
        return List.copyOf(tools.keySet());
    }

    /** What to tell whoever asked for a tool there is not: the name asked for and the names there are. */
    public String unknown(String name) {
        if (tools.isEmpty()) return "unknown server tool '" + name + "': there are no server tools";
        return "unknown server tool '" + name + "': the server tools are " + String.join(", ", tools.keySet());
    }
}
