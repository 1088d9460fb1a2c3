package weft.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.providers.ChatMessage;
import weft.providers.Sampling;
import weft.providers.ToolChoice;
import weft.providers.ToolResult;
import weft.runs.OnDisconnect;
import weft.runs.RunRequest;
import weft.tools.ToolDeclaration;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code POST /v1/responses} body as Weft reads it, before it knows the conversation it
 * continues: {@code items} are the input's turns in order (system and developer messages are
 * in {@code system}); a {@code function_call_output} whose call is not among them answers a
 * call of the previous response, and gets its function's name once that is known.
 *
 * @param echo what the response object repeats of the request (model, instructions, tools …)
 */
record ResponseRequest(String model, ModelNames.Target target, String system, List<ChatMessage> items,
                       Integer maxTokens, Sampling sampling, ToolChoice toolChoice, List<ToolDeclaration> tools,
                       boolean stream, boolean background, String previousResponseId, ObjectNode echo) {
    ResponseRequest {
        items = List.copyOf(items);
        tools = List.copyOf(tools);
    }

    /** The names of the client's functions, whose calls end the response as {@code function_call} items. */
    Set<String> functions() {
        var names = new java.util.LinkedHashSet<String>();
        tools.forEach(t -> names.add(t.name()));
        return names;
    }

    /**
     * The run, in session {@code sessionId} (null: a new one) whose last turn left {@code open}
     * calls (call id → function name) for this input to answer. The input's last user message is
     * the run's input; everything before it opens the run's turn in the session.
     */
    RunRequest run(String sessionId, Map<String, String> open) {
        var lead = new ArrayList<ChatMessage>();
        var unanswered = new LinkedHashMap<>(open);
        for (int i = 0; i < items.size(); i++) {
            ChatMessage m = items.get(i);
            if (m.role() == ChatMessage.Role.TOOL && m.result().name() == null) {
                String name = unanswered.remove(m.result().callId());
                if (name == null) {
                    throw OpenAiErrors.invalid("input", "No tool call found for function call output with call_id '"
                            + m.result().callId() + "': a 'function_call_output' answers a 'function_call' earlier in "
                            + "'input' or in the output of 'previous_response_id'"
                            + (open.isEmpty() ? "" : " (which called " + open.keySet() + ")") + ", and each call once.");
                }
                m = ChatMessage.tool(new ToolResult(m.result().callId(), name, m.result().content(), false));
            }
            lead.add(m);
        }
        if (!unanswered.isEmpty()) {
            throw OpenAiErrors.invalid("input", "No tool output found for function call " + String.join(", ", unanswered.keySet())
                    + ": the previous response ended calling it, so 'input' must hold a 'function_call_output' for each "
                    + "of its calls (\"call_id\", \"output\").");
        }
        String input = null;
        if (lead.getLast().role() == ChatMessage.Role.USER) input = lead.removeLast().content();
        OnDisconnect onDisconnect = background ? OnDisconnect.CONTINUE : OnDisconnect.GRACE;
        return new RunRequest(input, target.workflow(), new RunRequest.Conversation(sessionId, null, lead),
                new RunRequest.Model(target.provider(), target.model(), system, maxTokens, sampling), List.of(),
                new RunRequest.Tooling(tools, toolChoice, true), new RunRequest.Delivery(stream, background, onDisconnect),
                echo.toString());
    }
}
