package weft.openai;

import weft.events.RunEvent;
import weft.http.HttpError;

import java.util.Map;

/**
 * A run that did not complete, as an OpenAI client should hear it: the status code a
 * non-streamed answer gets and the error a stream ends with. A model that was stopped by its
 * provider's filter is not a failure in OpenAI's words but {@code finish_reason:
 * "content_filter"}; that case is the adapters', not this class's.
 */
final class RunFailure {
    private RunFailure() {}

    /** {@code status} is the run's ({@code failed}, {@code cancelled}); {@code error} its last error event, if any. */
    static HttpError of(String runId, String status, RunEvent.Error error) {
        if (status.equals("cancelled")) {
            // Not a status the SDKs retry: a cancelled run would only be cancelled again.
            return new HttpError(400, "cancelled", "Run " + runId + " was cancelled before it finished "
                    + "(POST /v1/runs/" + runId + "/cancel).", Map.of(), Map.of(OpenAiErrors.CODE, "cancelled"));
        }
        String code = error == null ? "internal_error" : error.code();
        String message = error == null ? "Run " + runId + " ended " + status + "." : error.message();
        int httpStatus = switch (code) {
            case "provider_bad_request" -> 400;
            case "provider_rate_limited" -> 429;
            case "provider_unavailable", "store_unavailable", "instance_lost" -> 503;
            case "provider_timeout", "timed_out" -> 504;
            default -> 500;
        };
        return new HttpError(httpStatus, code, message + " (run " + runId + ")", Map.of(), Map.of(OpenAiErrors.CODE, code));
    }
}
