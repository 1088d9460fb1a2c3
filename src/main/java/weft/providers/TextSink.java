package weft.providers;

/** Receives an answer's text, piece by piece, in order, on the provider's thread. */
@FunctionalInterface
public interface TextSink {
    void text(String piece);
}
