package weft.providers;

/** Receives an answer's parts, one by one, in order, on the provider's thread. */
@FunctionalInterface
public interface PartSink {
    void accept(Part part);

    /** A sink for callers that want only the text (they offered no tools). */
    static PartSink text(java.util.function.Consumer<String> pieces) {
        return part -> {
            if (part instanceof Part.Text t) pieces.accept(t.text());
        };
    }
}
