package weft.providers;

import java.util.List;

/**
 * What one model call is asked: the conversation so far (ending with the user's new
 * message), an optional system prompt, the documents the answer may cite as [1], [2] …,
 * and an optional output limit ({@code null}: the provider's default).
 */
public record ModelRequest(String model, String system, List<ChatMessage> messages,
                           List<Document> documents, Integer maxTokens) {
    public ModelRequest {
        messages = List.copyOf(messages);
        documents = List.copyOf(documents);
    }

    /** The newest user message: what the model answers. */
    public String lastUserText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == ChatMessage.Role.USER) return messages.get(i).content();
        }
        return "";
    }
}
