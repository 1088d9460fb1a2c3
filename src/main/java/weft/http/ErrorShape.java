package weft.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/**
 * How an error answer's body is written. Weft's own is {@code {"error":{"code","message",…}}};
 * a path that speaks another protocol (OpenAI's) answers errors in that protocol's shape, so
 * its clients' libraries read them. The shape is chosen per request, before any filter can
 * refuse it ({@link weft.edge.ErrorShapes}), and every error answer goes through
 * {@link Json#sendError}, which asks for it here.
 */
@FunctionalInterface
public interface ErrorShape {

    /** The JSON body of {@code error}'s answer; its status and headers are the error's own. */
    ObjectNode body(HttpError error);

    /** Weft's shape: the error's code and message, and its details as further fields. */
    ErrorShape WEFT = error -> {
        ObjectNode inner = Json.object().put("code", error.code()).put("message", error.getMessage());
        error.details().forEach((name, value) -> inner.set(name, Json.MAPPER.valueToTree(value)));
        ObjectNode body = Json.object();
        body.set("error", inner);
        return body;
    };

    /** The exchange attribute that holds the request's shape. */
    String ATTRIBUTE = "weft.error-shape";

    /** The shape of this request's errors: the one set for its path, else Weft's. */
    static ErrorShape of(HttpExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE) instanceof ErrorShape shape ? shape : WEFT;
    }
}
