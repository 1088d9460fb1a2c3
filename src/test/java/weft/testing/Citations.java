package weft.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;

import java.util.regex.Pattern;

/** Numbered documents for a run to cite, and the markers that cite them, as the provider tests use them. */
public final class Citations {
    /** A whole citation marker such as {@code [12]}; group 1 is the number. */
    public static final Pattern MARKER = Pattern.compile("\\[(\\d+)]");
    /** A delta that ends in the middle of a possible marker such as "[1". */
    public static final Pattern HALF_MARKER = Pattern.compile("\\[\\d{0,4}$");

    private Citations() {}

    /**
     * A run's {@code documents}: {@code count} of them, the n-th with id {@code doc-n}, title
     * {@code Source n} and text {@code Text of source n.}, so marker {@code [n]} cites {@code doc-n}.
     */
    public static ArrayNode documents(int count) {
        ArrayNode documents = TestServer.JSON.createArrayNode();
        for (int n = 1; n <= count; n++) {
            documents.addObject().put("id", "doc-" + n).put("title", "Source " + n).put("text", "Text of source " + n + ".");
        }
        return documents;
    }
}
