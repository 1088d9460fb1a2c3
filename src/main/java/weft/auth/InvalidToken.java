package weft.auth;

/**
 * A token or ticket that proves nothing: the edge answers {@code 401} with
 * {@code WWW-Authenticate: Bearer error="invalid_token"} and this message as the description.
 * Messages never quote the token.
 */
public final class InvalidToken extends RuntimeException {
    public InvalidToken(String message) {
        super(message, null, false, false);
    }
}
