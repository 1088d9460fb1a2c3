package weft.openai;

import weft.http.HttpError;
import weft.providers.Provider;
import weft.providers.Providers;
import weft.workflows.Workflow;
import weft.workflows.Workflows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an OpenAI {@code model} names on this server: {@code workflow/research} a workflow,
 * {@code anthropic/claude-sonnet-4-5} a provider's model, {@code demo} (a provider's name alone)
 * its default model, and any other name a model of the default provider, so that
 * {@code gpt-4o-mini} works as it would against OpenAI and {@code meta-llama/Llama-3-8B} against
 * an OpenAI-compatible server.
 */
public final class ModelNames {
    static final String WORKFLOW = "workflow/";

    /** A model name resolved: the workflow to run, and the provider and model its agents use (null: their own). */
    public record Target(String workflow, String provider, String model) {}

    private final Providers providers;
    private final Workflows workflows;

    public ModelNames(Providers providers, Workflows workflows) {
        this.providers = providers;
        this.workflows = workflows;
    }

    /** The target of {@code name}; a 404 {@code model_not_found} saying what exists when there is none. */
    public Target resolve(String name) {
        if (name.startsWith(WORKFLOW)) {
            String workflow = name.substring(WORKFLOW.length());
            if (workflows.find(workflow).isEmpty()) throw notFound(name, "there is no workflow '" + workflow + "'");
            return new Target(workflow, null, null);
        }
        int slash = name.indexOf('/');
        String prefix = slash < 0 ? name : name.substring(0, slash);
        if (providers.known(prefix)) {
            Provider provider = providers.find(prefix).orElseThrow(() -> notFound(name, providers.whyUnavailable(prefix)));
            String model = slash < 0 ? null : name.substring(slash + 1);
            if (model != null && model.isBlank()) throw notFound(name, "it names no model after '" + prefix + "/'");
            return new Target(Workflows.CHAT, provider.name(), model);
        }
        return new Target(Workflows.CHAT, providers.defaultProvider().name(), name);
    }

    /** Every name {@code /v1/models} lists: each provider's default model, each provider alone, each workflow. */
    public List<String> listed() {
        var names = new ArrayList<String>();
        for (String name : providers.availableNames()) {
            names.add(name);
            Provider p = providers.find(name).orElseThrow();
            if (p.defaultModel() != null && !p.defaultModel().isBlank()) names.add(name + "/" + p.defaultModel());
        }
        for (Workflow w : workflows.all()) {
            if (!w.name().equals(Workflows.CHAT)) names.add(WORKFLOW + w.name());
        }
        return names;
    }

    private HttpError notFound(String name, String why) {
        return new HttpError(404, "not_found", "The model '" + name + "' does not exist on this server: " + why
                + ". GET /v1/models lists the models it has.", Map.of(),
                Map.of(OpenAiErrors.PARAM, "model", OpenAiErrors.CODE, "model_not_found"));
    }
}
