package weft.providers;

import java.util.List;

/**
 * How a model is asked to sample its answer, as an OpenAI-style client sets it. Every setting
 * is optional: {@code null} (or an empty list) leaves it to the provider's default, and a
 * provider sends only the settings its API has, under its own names, never a guessed
 * equivalent of one it lacks.
 *
 * @param temperature randomness of the choice of each token: 0 all but deterministic, higher more varied
 * @param topP        nucleus sampling: choose only among the most likely tokens whose probabilities add up to this
 * @param stop        strings that end the answer where the model would write them; the string
 *                    itself is not part of the answer (OpenAI takes up to 4)
 * @param user        an opaque id of the end user, which providers use to trace abuse; not a name or an email
 */
public record Sampling(Double temperature, Double topP, List<String> stop, String user) {
    /** Every setting left to the provider. */
    public static final Sampling NONE = new Sampling(null, null, List.of(), null);

    public Sampling {
        stop = stop == null ? List.of() : List.copyOf(stop);
    }
}
