package weft.tools;

import weft.providers.ToolSpec;

/**
 * A tool a run asks for in its {@code "tools"}: a server tool by name ({@code "calculator"}),
 * or a function the client runs itself ({@code {"type":"function","name",…}}).
 */
public sealed interface ToolDeclaration {
    String name();

    /** One of Weft's own tools. */
    record Server(String name) implements ToolDeclaration {}

    /** Another agent of the workflow, called with the model's {@code input} and answering with its text. */
    record Agent(String name) implements ToolDeclaration {}

    /** A function tool: the model may call it, the client runs it and posts the result. */
    record Function(ToolSpec spec) implements ToolDeclaration {
        public String name() { return spec.name(); }
    }
}
