package weft.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hides the server's secrets in text that leaves it: error messages relayed to clients (a
 * provider's own error quotes the key it was sent), store errors, start-up messages, logs.
 * Made once in {@code Main} from the settings.
 *
 * <p>What it masks: every configured secret (provider keys, {@code WEFT_JWT_SECRET},
 * {@code WEFT_METRICS_TOKEN}, {@code WEFT_TLS_PASSWORD}, the credentials in {@code REDIS_URL}
 * and the base URLs) wherever it occurs; any word that holds {@value #WINDOW} characters in a
 * row of one of the longer secrets (a provider that quotes half a key leaks it too); the
 * {@code user:password@} part of any URL; a {@code Bearer} token; and the value of a
 * {@code ticket}, {@code token} or {@code key} query parameter. Secrets shorter than
 * {@value #MIN_LENGTH} characters cannot be told from ordinary text and are masked only inside URLs.
 */
public final class Secrets {
    public static final String MASK = "[redacted]";
    /** Masks nothing configured, only what looks like a credential: for messages written before the settings are read. */
    public static final Secrets NONE = new Secrets(List.of());

    static final int MIN_LENGTH = 4;
    /** Fragments this long of a secret give it away; shorter ones (a key's "sk-ant-" prefix) do not. */
    static final int WINDOW = 12;
    private static final Pattern URL_CREDENTIALS = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/?#\\s\"'<>]*@");
    private static final Pattern BEARER = Pattern.compile("(?i)\\b(bearer\\s+)[A-Za-z0-9._~+/=-]+");
    private static final Pattern SECRET_PARAMETER = Pattern.compile(
            "(?i)([?&;](?:ticket|token|access_token|id_token|api_key|apikey|key|password|secret)=)[^&#\\s\"']+");
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_.~+/=-]{" + WINDOW + ",}");

    /** The variables whose whole value is a secret. */
    private static final List<String> SECRET_VARIABLES = List.of("OPENAI_API_KEY", "ANTHROPIC_API_KEY",
            "GEMINI_API_KEY", "WEFT_JWT_SECRET", "WEFT_METRICS_TOKEN", "WEFT_TLS_PASSWORD");
    /** The variables that are URLs, whose {@code user:password@} part is a secret. */
    private static final List<String> URL_VARIABLES = List.of("REDIS_URL", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL",
            "GEMINI_BASE_URL");

    private final List<String> values;
    private final Set<String> windows = new HashSet<>();

    private Secrets(List<String> values) {
        var kept = new ArrayList<String>();
        for (String v : values) {
            if (v != null && v.strip().length() >= MIN_LENGTH && !kept.contains(v.strip())) kept.add(v.strip());
        }
        kept.sort(Comparator.comparingInt(String::length).reversed()); // "abcd1234" before its part "abcd"
        this.values = List.copyOf(kept);
        for (String v : this.values) {
            for (int i = 0; i + WINDOW <= v.length(); i++) windows.add(v.substring(i, i + WINDOW));
        }
    }

    /** The secrets of these settings. */
    public static Secrets of(Settings s) {
        var vars = new java.util.HashMap<String, String>();
        put(vars, "OPENAI_API_KEY", s.openaiApiKey());
        put(vars, "ANTHROPIC_API_KEY", s.anthropicApiKey());
        put(vars, "GEMINI_API_KEY", s.geminiApiKey());
        put(vars, "WEFT_JWT_SECRET", s.auth().jwtSecret());
        put(vars, "WEFT_METRICS_TOKEN", s.auth().metricsToken());
        put(vars, "WEFT_TLS_PASSWORD", s.web().tlsPassword());
        put(vars, "REDIS_URL", s.redisUrl());
        put(vars, "OPENAI_BASE_URL", s.openaiBaseUrl());
        put(vars, "ANTHROPIC_BASE_URL", s.anthropicBaseUrl());
        put(vars, "GEMINI_BASE_URL", s.geminiBaseUrl());
        return of(vars);
    }

    /**
     * The secrets among these variables (the environment, or flags): for a message written
     * when the settings could not be read.
     */
    public static Secrets of(Map<String, String> variables) {
        var values = new ArrayList<String>();
        variables.forEach((name, value) -> {
            String upper = name.toUpperCase(java.util.Locale.ROOT);
            if (value == null) return;
            if (SECRET_VARIABLES.contains(upper)) values.add(value);
            if (URL_VARIABLES.contains(upper)) values.addAll(credentials(value));
        });
        return new Secrets(values);
    }

    private static void put(Map<String, String> vars, String name, String value) {
        if (value != null) vars.put(name, value);
    }

    /** A URL's {@code user:password}, the password alone, each as written and percent-decoded. */
    private static List<String> credentials(String url) {
        int scheme = url.indexOf("://");
        if (scheme < 0) return List.of();
        int end = url.length();
        for (char c : new char[]{'/', '?', '#'}) {
            int at = url.indexOf(c, scheme + 3);
            if (at >= 0) end = Math.min(end, at);
        }
        int at = url.lastIndexOf('@', end - 1);
        if (at <= scheme + 3) return List.of();
        String userInfo = url.substring(scheme + 3, at);
        var found = new ArrayList<String>(List.of(userInfo));
        int colon = userInfo.indexOf(':');
        if (colon >= 0) found.add(userInfo.substring(colon + 1));
        for (String raw : List.copyOf(found)) {
            try {
                found.add(URLDecoder.decode(raw, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException notEncoded) {
                // kept as written
            }
        }
        return found;
    }

    /** {@code url} without its {@code user:password@} part, for messages that name where Weft connects. */
    public static String withoutCredentials(String url) {
        return url == null ? null : URL_CREDENTIALS.matcher(url).replaceAll("$1" + Matcher.quoteReplacement(MASK) + "@");
    }

    /** {@code text} with every secret masked; null stays null. */
    public String scrub(String text) {
        if (text == null || text.isEmpty()) return text;
        String out = withoutCredentials(text);
        out = BEARER.matcher(out).replaceAll("$1" + Matcher.quoteReplacement(MASK));
        out = SECRET_PARAMETER.matcher(out).replaceAll("$1" + Matcher.quoteReplacement(MASK));
        for (String secret : values) {
            if (out.contains(secret)) out = out.replace(secret, MASK);
        }
        return windows.isEmpty() ? out : withoutFragments(out);
    }

    /** Masks each word that holds a long enough piece of a secret. */
    private String withoutFragments(String text) {
        Matcher words = WORD.matcher(text);
        StringBuilder out = null;
        int copied = 0;
        while (words.find()) {
            String word = words.group();
            boolean leaks = false;
            for (int i = 0; i + WINDOW <= word.length() && !leaks; i++) leaks = windows.contains(word.substring(i, i + WINDOW));
            if (!leaks) continue;
            if (out == null) out = new StringBuilder(text.length());
            out.append(text, copied, words.start()).append(MASK);
            copied = words.end();
        }
        return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    @Override
    public String toString() {
        return "Secrets[" + values.size() + " hidden]";
    }
}
