package weft.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.http.ErrorShape;
import weft.http.HttpError;
import weft.http.Json;

/**
 * Errors as OpenAI writes them, {@code {"error":{"message","type","param","code"}}}, so that an
 * OpenAI SDK raises its usual exception with Weft's message. The status codes stay Weft's,
 * which are OpenAI's for the same failures (400, 401, 404, 413, 429, 500, 503).
 */
public final class OpenAiErrors implements ErrorShape {
    /** The detail an error may carry to name the request field it is about. */
    public static final String PARAM = "param";
    /** The detail an error may carry to give OpenAI's code for it ({@code model_not_found}). */
    public static final String CODE = "openai_code";

    @Override
    public ObjectNode body(HttpError error) {
        ObjectNode inner = Json.object().put("message", error.getMessage()).put("type", type(error.status()));
        Object param = error.details().get(PARAM);
        if (param == null) inner.putNull("param");
        else inner.put("param", param.toString());
        Object code = error.details().get(CODE);
        inner.put("code", code != null ? code.toString() : code(error));
        ObjectNode body = Json.object();
        body.set("error", inner);
        return body;
    }

    /** OpenAI's {@code type} for a status: the SDKs choose their exception by status, people read the type. */
    static String type(int status) {
        return switch (status) {
            case 401 -> "invalid_request_error";
            case 403 -> "permission_error";
            case 429 -> "requests";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
    }

    private static String code(HttpError error) {
        return switch (error.status()) {
            case 401 -> "invalid_api_key";
            case 429 -> "rate_limit_exceeded";
            default -> error.code();
        };
    }

    /** A 400 about one field of the request, in OpenAI's words for a bad value. */
    public static HttpError invalid(String param, String message) {
        return new HttpError(400, "invalid_request", message, java.util.Map.of(),
                java.util.Map.of(PARAM, param, CODE, "invalid_value"));
    }
}
