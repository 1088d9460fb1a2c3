package weft.providers;

/** How a model call ended: its usage and the provider's finish reason (e.g. {@code stop}, {@code length}). */
public record Completion(Usage usage, String finishReason) {}
