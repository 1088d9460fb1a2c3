package weft.workflows;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code {key}} placeholders in instructions. A key is an identifier right after the brace,
 * so JSON in an instruction ({@code {"subtopics": …}}) is left alone.
 */
public final class Placeholders {
    private static final Pattern KEY = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private Placeholders() {}

    /** The keys {@code text} reads, in order of first use. */
    public static Set<String> keys(String text) {
        var keys = new LinkedHashSet<String>();
        if (text == null) return keys;
        Matcher m = KEY.matcher(text);
        while (m.find()) keys.add(m.group(1));
        return keys;
    }

    /** Fills every placeholder; {@code missing} explains a key that has no value. */
    public static String fill(String text, Map<String, String> values, Function<String, WorkflowException> missing)
            throws WorkflowException {
        if (text == null) return null;
        Matcher m = KEY.matcher(text);
        var out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) throw missing.apply(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
