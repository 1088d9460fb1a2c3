package weft.testing;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** Access tokens for tests, signed with one known secret (or whatever algorithm a test picks). */
public final class Tokens {
    /** 44 bytes: over the 32 HS256 needs. */
    public static final String SECRET = "weft-test-secret-0123456789-abcdefghijklmnop";

    private Tokens() {}

    /** The settings of a server that verifies these tokens. */
    public static Map<String, String> env() {
        return Map.of("WEFT_JWT_SECRET", SECRET);
    }

    /** Claims of a valid token for {@code subject}, expiring in ten minutes; add or change claims, then {@link #sign}. */
    public static JWTCreator.Builder claims(String subject) {
        Instant now = Instant.now();
        return JWT.create().withSubject(subject).withIssuedAt(now).withExpiresAt(now.plus(Duration.ofMinutes(10)));
    }

    public static String sign(JWTCreator.Builder claims) {
        return claims.sign(Algorithm.HMAC256(SECRET));
    }

    /** A valid token for {@code subject}. */
    public static String of(String subject) {
        return sign(claims(subject));
    }
}
