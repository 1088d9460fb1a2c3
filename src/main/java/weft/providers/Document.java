package weft.providers;

/** A source supplied with a run; the n-th document is cited as {@code [n]}. */
public record Document(String id, String title, String text) {}
