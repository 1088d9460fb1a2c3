package weft.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.MissingClaimException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * Stream tickets: what a browser's {@code EventSource}, which cannot send headers, puts in
 * {@code ?ticket=} instead of its access token. A ticket is an HS256 JWT for one run of one
 * subject that lasts {@link #LIFETIME}, signed with a key of its own (never the access-token
 * key) and marked with a {@code purpose} claim, so a ticket never passes as an access token
 * nor an access token as a ticket. Every instance holds the same key, so any of them accepts
 * a ticket another issued.
 */
public final class Tickets {
    public static final Duration LIFETIME = Duration.ofSeconds(60);
    static final String PURPOSE_CLAIM = "purpose";
    static final String PURPOSE = "weft-stream-ticket";
    private static final String RUN_CLAIM = "run";
    /** Instances' clocks differ a little; a ticket is asked for just before it is used. */
    private static final long LEEWAY_SECONDS = 5;
    /** What the ticket key is derived from {@code WEFT_JWT_SECRET} with; changing it voids every ticket out. */
    private static final String DERIVATION_LABEL = "weft stream ticket key v1";

    private final Supplier<byte[]> key;
    private final Clock clock;
    private volatile Algorithm algorithm;

    /** Tickets signed with the key {@code key} gives, fetched on first use (it may live in a store that is down at start). */
    public Tickets(Supplier<byte[]> key, Clock clock) {
        this.key = key;
        this.clock = clock;
    }

    /**
     * The ticket key of a server signing access tokens with {@code secret}: an HMAC of a fixed
     * label, so every instance with the secret derives the same key and nothing need be shared.
     */
    public static byte[] derivedKey(String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(DERIVATION_LABEL.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** A ticket for {@code subject} to follow run {@code runId}. */
    public String issue(String subject, String runId) {
        Instant now = clock.instant();
        return JWT.create().withSubject(subject).withClaim(RUN_CLAIM, runId).withClaim(PURPOSE_CLAIM, PURPOSE)
                .withIssuedAt(now).withExpiresAt(now.plus(LIFETIME)).sign(algorithm());
    }

    /** The ticket's subject, if it is a valid ticket for run {@code runId}; else an {@link InvalidToken} saying why. */
    public Principal verify(String ticket, String runId, boolean verified, String address) {
        DecodedJWT jwt = AccessTokens.decode(ticket, "ticket");
        if (!isTicket(jwt)) {
            throw new InvalidToken("an access token is not a ticket and does not belong in a URL: send it as "
                    + "Authorization: Bearer <token>, or get a ticket from POST /v1/runs/" + runId + "/ticket");
        }
        try {
            verifier(runId).verify(jwt);
        } catch (TokenExpiredException e) {
            throw new InvalidToken("the ticket has expired (tickets last " + LIFETIME.toSeconds()
                    + " s): get a new one from POST /v1/runs/" + runId + "/ticket");
        } catch (IncorrectClaimException e) {
            throw new InvalidToken(e.getClaimName().equals(RUN_CLAIM)
                    ? "the ticket is for another run: get one for this run from POST /v1/runs/" + runId + "/ticket"
                    : "the ticket's '" + e.getClaimName() + "' claim is wrong");
        } catch (MissingClaimException e) {
            throw new InvalidToken("the ticket has no '" + e.getClaimName() + "' claim");
        } catch (AlgorithmMismatchException e) {
            throw new InvalidToken("the ticket is signed with " + jwt.getAlgorithm() + ", not as Weft signs tickets (HS256)");
        } catch (SignatureVerificationException e) {
            throw new InvalidToken("the ticket's signature does not verify: it was altered or signed elsewhere");
        } catch (JWTVerificationException e) {
            throw new InvalidToken("the ticket does not verify");
        }
        return new Principal(jwt.getSubject(), List.of(), verified, address);
    }

    static boolean isTicket(DecodedJWT jwt) {
        return PURPOSE.equals(jwt.getClaim(PURPOSE_CLAIM).asString());
    }

    private JWTVerifier verifier(String runId) {
        var require = JWT.require(algorithm()).withClaim(PURPOSE_CLAIM, PURPOSE).withClaim(RUN_CLAIM, runId)
                .withClaimPresence("exp").withClaimPresence("sub").acceptLeeway(LEEWAY_SECONDS);
        return ((JWTVerifier.BaseVerification) require).build(clock);
    }

    private Algorithm algorithm() {
        Algorithm a = algorithm;
        if (a == null) algorithm = a = Algorithm.HMAC256(key.get());
        return a;
    }
}
