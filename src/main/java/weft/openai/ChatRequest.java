package weft.openai;

import weft.runs.RunRequest;

import java.util.Set;

/**
 * A Chat Completions request as Weft runs it: the run, the {@code model} as the client named
 * it (every chunk repeats it), whether to stream and to end with a usage chunk, and the names
 * of the client's functions, whose calls go back to it as {@code tool_calls}.
 */
record ChatRequest(RunRequest run, String model, boolean stream, boolean includeUsage, Set<String> functions) {
    ChatRequest {
        functions = Set.copyOf(functions);
    }
}
