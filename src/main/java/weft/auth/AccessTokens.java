package weft.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.MissingClaimException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import weft.config.Settings;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Verifies {@code Authorization: Bearer} access tokens with the one algorithm the
 * configuration pins: HS256 with {@code WEFT_JWT_SECRET}, or RS256 / ES256 with the key in
 * {@code WEFT_JWT_PUBLIC_KEY}. A token must carry {@code exp} and {@code sub} (and the
 * configured {@code iss} / {@code aud}); times get {@link #LEEWAY_SECONDS} of leeway for clock
 * skew. Each refusal says which check failed, never what the token held.
 */
public final class AccessTokens {
    /** Clock skew tolerated on {@code exp}, {@code nbf} and {@code iat}. */
    public static final long LEEWAY_SECONDS = 30;
    /** HS256 keys shorter than this are guessable offline from any one token. */
    public static final int MIN_SECRET_BYTES = 32;

    private final Algorithm algorithm;
    private final String setting;
    private final JWTVerifier verifier;

    private AccessTokens(Algorithm algorithm, String setting, Settings.Auth auth, Clock clock) {
        this.algorithm = algorithm;
        this.setting = setting;
        var require = JWT.require(algorithm).withClaimPresence("exp").withClaimPresence("sub").acceptLeeway(LEEWAY_SECONDS);
        if (auth.jwtIssuer() != null) require.withIssuer(auth.jwtIssuer());
        if (auth.jwtAudience() != null) require.withAudience(auth.jwtAudience());
        this.verifier = ((JWTVerifier.BaseVerification) require).build(clock);
    }

    /** The verifier the settings pin, or empty on a server without authentication; a bad key stops the server. */
    public static Optional<AccessTokens> from(Settings.Auth auth) {
        return from(auth, Clock.systemUTC());
    }

    static Optional<AccessTokens> from(Settings.Auth auth, Clock clock) {
        if (auth.jwtSecret() != null && auth.jwtPublicKeyFile() != null) {
            throw new IllegalArgumentException("both WEFT_JWT_SECRET and WEFT_JWT_PUBLIC_KEY are set: set one, "
                    + "WEFT_JWT_SECRET to sign tokens yourself (HS256) or WEFT_JWT_PUBLIC_KEY to verify your identity provider's");
        }
        if (auth.jwtSecret() != null) return Optional.of(new AccessTokens(hs256(auth.jwtSecret()), "WEFT_JWT_SECRET", auth, clock));
        if (auth.jwtPublicKeyFile() != null) {
            return Optional.of(new AccessTokens(PublicKeys.algorithm(auth.jwtPublicKeyFile()), "WEFT_JWT_PUBLIC_KEY", auth, clock));
        }
        return Optional.empty();
    }

    /** HS256 with the secret's UTF-8 bytes, refused when too short to resist guessing. */
    public static Algorithm hs256(String secret) {
        int bytes = secret.getBytes(StandardCharsets.UTF_8).length;
        if (bytes < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("WEFT_JWT_SECRET is " + bytes + " bytes long; HS256 needs at least "
                    + MIN_SECRET_BYTES + " random bytes (e.g. WEFT_JWT_SECRET=$(openssl rand -base64 32))");
        }
        return Algorithm.HMAC256(secret);
    }

    /** The algorithm tokens must be signed with, e.g. {@code HS256}. */
    public String algorithm() {
        return algorithm.getName();
    }

    /** The token's subject and scopes, or an {@link InvalidToken} saying which check failed. */
    public Principal verify(String token, String address) {
        DecodedJWT jwt = decode(token, "token");
        String alg = jwt.getAlgorithm();
        if (alg == null || alg.equalsIgnoreCase("none")) {
            throw new InvalidToken("the token is unsigned (alg none); this server accepts only " + algorithm() + " tokens");
        }
        if (Tickets.isTicket(jwt)) {
            throw new InvalidToken("this is a stream ticket, not an access token: a ticket is accepted only as ?ticket= "
                    + "on the events of its run");
        }
        if (!alg.equals(algorithm())) {
            throw new InvalidToken("the token is signed with " + alg + "; this server accepts only " + algorithm()
                    + " (" + setting + ")");
        }
        try {
            verifier.verify(jwt);
        } catch (AlgorithmMismatchException e) {
            throw new InvalidToken("the token is signed with " + alg + "; this server accepts only " + algorithm());
        } catch (SignatureVerificationException e) {
            throw new InvalidToken("the token's signature does not verify with " + setting);
        } catch (TokenExpiredException e) {
            throw new InvalidToken("the token expired at " + e.getExpiredOn() + " (" + LEEWAY_SECONDS
                    + " s leeway): get a fresh one");
        } catch (MissingClaimException e) {
            throw new InvalidToken(missing(e.getClaimName()));
        } catch (IncorrectClaimException e) {
            throw new InvalidToken(incorrect(e.getClaimName()));
        } catch (JWTVerificationException e) {
            throw new InvalidToken("the token does not verify");
        }
        if (jwt.getSubject() == null || jwt.getSubject().isBlank()) throw new InvalidToken(missing("sub"));
        return new Principal(jwt.getSubject(), scopes(jwt.getClaim("scope")), true, address);
    }

    /** Parses a JWT without trusting it; anything that is not three base64url parts of JSON is malformed. */
    static DecodedJWT decode(String token, String what) {
        try {
            return JWT.decode(token);
        } catch (JWTDecodeException e) {
            throw new InvalidToken("the " + what + " is malformed: a JWT is three base64url parts of JSON separated by dots");
        }
    }

    private String missing(String claim) {
        return switch (claim) {
            case "exp" -> "the token has no expiry (exp): this server accepts only tokens that expire";
            case "sub" -> "the token has no subject (sub): this server needs to know whose runs these are";
            case "iss" -> "the token has no issuer (iss); this server accepts only tokens issued by its WEFT_JWT_ISSUER";
            case "aud" -> "the token has no audience (aud); this server accepts only tokens for its WEFT_JWT_AUDIENCE";
            default -> "the token has no '" + claim + "' claim";
        };
    }

    private static String incorrect(String claim) {
        return switch (claim) {
            case "nbf" -> "the token is not valid yet (nbf is in the future, beyond " + LEEWAY_SECONDS + " s leeway)";
            case "iat" -> "the token was issued in the future (iat, beyond " + LEEWAY_SECONDS + " s leeway): check the issuer's clock";
            case "iss" -> "the token's issuer (iss) is not this server's WEFT_JWT_ISSUER";
            case "aud" -> "the token's audience (aud) does not include this server's WEFT_JWT_AUDIENCE";
            default -> "the token's '" + claim + "' claim is wrong";
        };
    }

    /** {@code "runs:read runs:write"} or, as some issuers write it, an array. */
    private static List<String> scopes(Claim scope) {
        if (scope.isMissing() || scope.isNull()) return List.of();
        String text = scope.asString();
        if (text != null) return Arrays.stream(text.split(" ")).filter(s -> !s.isEmpty()).toList();
        try {
            List<String> list = scope.asList(String.class);
            return list == null ? List.of() : list;
        } catch (JWTDecodeException notStrings) {
            return List.of();
        }
    }
}
