package weft.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.providers.ToolSpec;

/**
 * Another agent as a tool, as in ADK's {@code AgentTool}: the calling model writes a question
 * in {@code input}, the agent answers it (streaming its own events as any agent does), and
 * its text is the result.
 */
public record AgentTool(String name, String description, Asker asker) implements Tool {

    /** Runs the agent on a question and returns its text. */
    @FunctionalInterface
    public interface Asker {
        String ask(String input) throws Exception;
    }

    @Override
    public ToolSpec spec() {
        ObjectNode schema = JsonNodeFactory.instance.objectNode().put("type", "object");
        schema.putObject("properties").putObject("input").put("type", "string")
                .put("description", "What to ask agent '" + name + "', in full: it sees nothing else of the conversation");
        schema.putArray("required").add("input");
        return new ToolSpec(name, description, schema);
    }

    @Override
    public JsonNode call(JsonNode arguments, ToolContext context) throws ToolFailure, InterruptedException {
        try {
            return JsonNodeFactory.instance.textNode(asker.ask(arguments.path("input").asText()));
        } catch (ToolFailure | InterruptedException passOn) {
            throw passOn;
        } catch (Exception failed) {
            throw new ToolFailure("agent_failed", "agent '" + name + "' failed: " + failed.getMessage());
        }
    }
}
