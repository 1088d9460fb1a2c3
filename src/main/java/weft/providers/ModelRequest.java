package weft.providers;

import java.util.List;

/**
 * What one model call is asked: the conversation so far (ending with the user's new
 * message, or with the results of the tools the model called), an optional system prompt,
 * the documents the answer may cite as [1], [2] …, an optional output limit ({@code null}:
 * the provider's default), the tools the model may call, how it samples its answer and
 * whether it must call a tool.
 */
public record ModelRequest(String model, String system, List<ChatMessage> messages,
                           List<Document> documents, Integer maxTokens, List<ToolSpec> tools, Sampling sampling,
                           ToolChoice toolChoice) {
    public ModelRequest {
        messages = List.copyOf(messages);
        documents = List.copyOf(documents);
        tools = tools == null ? List.of() : List.copyOf(tools);
        sampling = sampling == null ? Sampling.NONE : sampling;
        toolChoice = toolChoice == null ? ToolChoice.AUTO : toolChoice;
    }

    /** A request without tools, sampled as the provider does by default. */
    public ModelRequest(String model, String system, List<ChatMessage> messages, List<Document> documents, Integer maxTokens) {
        this(model, system, messages, documents, maxTokens, List.of(), Sampling.NONE, ToolChoice.AUTO);
    }

    /** A request sampled as the provider does by default. */
    public ModelRequest(String model, String system, List<ChatMessage> messages, List<Document> documents,
                        Integer maxTokens, List<ToolSpec> tools) {
        this(model, system, messages, documents, maxTokens, tools, Sampling.NONE, ToolChoice.AUTO);
    }

    /** A request whose model decides for itself whether to call its tools. */
    public ModelRequest(String model, String system, List<ChatMessage> messages, List<Document> documents,
                        Integer maxTokens, List<ToolSpec> tools, Sampling sampling) {
        this(model, system, messages, documents, maxTokens, tools, sampling, ToolChoice.AUTO);
    }

    /** The same request offering {@code offered} as its tools. */
    public ModelRequest withTools(List<ToolSpec> offered) {
        return new ModelRequest(model, system, messages, documents, maxTokens, offered, sampling, toolChoice);
    }

    /** The same request sampled with {@code settings}. */
    public ModelRequest withSampling(Sampling settings) {
        return new ModelRequest(model, system, messages, documents, maxTokens, tools, settings, toolChoice);
    }

    /** The same request with {@code choice} of whether and which tool the model must call. */
    public ModelRequest withToolChoice(ToolChoice choice) {
        return new ModelRequest(model, system, messages, documents, maxTokens, tools, sampling, choice);
    }

    /** The same request with the conversation continued by {@code more}. */
    public ModelRequest continued(List<ChatMessage> more) {
        var all = new java.util.ArrayList<>(messages);
        all.addAll(more);
        return new ModelRequest(model, system, all, documents, maxTokens, tools, sampling, toolChoice);
    }

    /**
     * The system prompt with the documents appended as a numbered list the model is told to
     * cite as [n] (the numbering Weft's citation events use); null if there is neither. Every
     * real provider sends this as its system prompt.
     */
    public String systemWithSources() {
        boolean hasSystem = system != null && !system.isBlank();
        if (documents.isEmpty()) return hasSystem ? system : null;
        var prompt = new StringBuilder();
        if (hasSystem) prompt.append(system).append("\n\n");
        prompt.append("Answer using the numbered sources below. Cite source n as [n], such as [1],")
                .append(" right after the statement it supports; cite only these sources.");
        for (int i = 0; i < documents.size(); i++) {
            Document d = documents.get(i);
            prompt.append("\n\n[").append(i + 1).append("] ").append(d.title() == null ? "" : d.title())
                    .append('\n').append(d.text() == null ? "" : d.text());
        }
        return prompt.toString();
    }

    /** The newest user message: what the model answers. */
    public String lastUserText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == ChatMessage.Role.USER) return messages.get(i).content();
        }
        return "";
    }
}
