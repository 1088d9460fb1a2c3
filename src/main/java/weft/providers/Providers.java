package weft.providers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The providers this server can use, by name, and the one used when a run names none.
 * A provider that is known but not configured is listed with the variable that enables it,
 * so an error can say exactly what to set.
 */
public final class Providers {
    /** Every provider Weft knows and the variable that makes it available. */
    private static final Map<String, String> ENABLED_BY = Map.of(
            "demo", "",
            "openai", "OPENAI_API_KEY or OPENAI_BASE_URL",
            "anthropic", "ANTHROPIC_API_KEY",
            "gemini", "GEMINI_API_KEY");

    private final Map<String, Provider> available = new LinkedHashMap<>();
    private final String defaultName;

    /**
     * @param defaultName {@code WEFT_PROVIDER}; when null, the first real provider configured,
     *                    else {@code demo}
     */
    public Providers(List<Provider> providers, String defaultName) {
        providers.forEach(p -> available.put(p.name(), p));
        if (defaultName == null) {
            defaultName = available.keySet().stream().filter(name -> !name.equals("demo")).findFirst().orElse("demo");
        }
        if (!available.containsKey(defaultName)) {
            throw new IllegalArgumentException("WEFT_PROVIDER=" + defaultName + " is not available: "
                    + whyUnavailable(defaultName));
        }
        this.defaultName = defaultName;
    }

    public Provider defaultProvider() {
        return available.get(defaultName);
    }

    public Optional<Provider> find(String name) {
        return Optional.ofNullable(available.get(name));
    }

    public List<String> availableNames() {
        return List.copyOf(available.keySet());
    }

    /** Whether {@code name} is a provider Weft has, configured here or not. */
    public boolean known(String name) {
        return ENABLED_BY.containsKey(name) || available.containsKey(name);
    }

    /** Why {@code name} cannot be used, phrased as what to change. */
    public String whyUnavailable(String name) {
        String variable = ENABLED_BY.get(name);
        if (variable == null) {
            return "unknown provider '" + name + "': use one of " + String.join(", ", available.keySet());
        }
        return "provider '" + name + "' is not configured on this server: set " + variable
                + ", or use one of " + String.join(", ", available.keySet());
    }
}
