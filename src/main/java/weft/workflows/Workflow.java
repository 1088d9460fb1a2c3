package weft.workflows;

/** A named workflow: what {@code "workflow"} in a run request picks. */
public record Workflow(String name, String description, Step root) {}
