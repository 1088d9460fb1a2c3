package weft.http;

import com.fasterxml.jackson.databind.JsonNode;
import weft.tools.ClientCalls;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Turns a {@code POST /v1/runs/{id}/tool_results} body into answers, refusing what is malformed, naming the field. */
final class ToolResultsReader {
    private ToolResultsReader() {}

    static List<ClientCalls.Answer> read(JsonNode body, int maxResultChars) {
        if (!body.isObject() || !body.path("results").isArray() || body.get("results").isEmpty()) {
            throw HttpError.invalid("send {\"results\":[{\"call_id\":\"…\",\"result\":…}]} (or \"error\":\"…\" instead of \"result\")");
        }
        JsonBody.onlyFields(body, Set.of("results"), "", "the body has only 'results'");
        var answers = new ArrayList<ClientCalls.Answer>();
        Set<String> ids = new HashSet<>();
        JsonNode results = body.get("results");
        for (int i = 0; i < results.size(); i++) {
            JsonNode r = results.get(i);
            String where = "results[" + i + "]";
            if (!r.isObject()) throw HttpError.invalid("'" + where + "' must be an object {\"call_id\",\"result\"}");
            JsonBody.onlyFields(r, Set.of("call_id", "result", "error"), where + ".", "a result has call_id and result or error");
            JsonNode id = r.get("call_id");
            if (id == null || !id.isTextual() || id.textValue().isEmpty()) {
                throw HttpError.invalid("'" + where + ".call_id' must be the call_id of a tool_call event");
            }
            if (!ids.add(id.textValue())) throw HttpError.invalid("'" + where + "': call '" + id.textValue() + "' is answered twice in one request");
            boolean hasResult = r.has("result"), hasError = r.has("error");
            if (hasResult == hasError) throw HttpError.invalid("'" + where + "' needs exactly one of 'result' (any JSON) and 'error' (a message)");
            if (hasError && !r.get("error").isTextual()) throw HttpError.invalid("'" + where + ".error' must be a string that says what went wrong");
            int chars = hasError ? r.get("error").textValue().length() : r.get("result").toString().length();
            if (chars > maxResultChars) {
                throw new HttpError(413, "too_large", "'" + where + "' is " + chars + " characters; a tool result may have at most "
                        + maxResultChars + " (WEFT_MAX_TOOL_RESULT_CHARS): send a shorter result, or a summary");
            }
            answers.add(new ClientCalls.Answer(id.textValue(), hasError ? null : r.get("result"),
                    hasError ? r.get("error").textValue() : null));
        }
        return answers;
    }
}
