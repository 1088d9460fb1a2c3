package weft.workflows;

import weft.providers.Providers;

import java.nio.file.Path;
import java.util.List;

/** Workflows from the JSON file {@code WEFT_WORKFLOWS} names. (Being written.) */
public final class WorkflowFile {
    private WorkflowFile() {}

    public static List<Workflow> load(Path file, Providers providers) {
        throw new IllegalArgumentException("WEFT_WORKFLOWS=" + file + ": loading workflow files is not implemented yet");
    }
}
