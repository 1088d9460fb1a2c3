package weft.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import weft.testing.Caller;
import weft.testing.TestServer;
import weft.testing.Tokens;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every way an access token fails, as a client sees it byte for byte: a 401 that says which check failed. */
class AccessTokenTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(Tokens.env());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> withAuthorization(String value) {
        return server.send(HttpRequest.newBuilder(server.uri("/v1/workflows")).header("Authorization", value));
    }

    private static HttpResponse<String> withToken(String token) {
        return withAuthorization("Bearer " + token);
    }

    /** The whole answer: status, the RFC 6750 challenge, and the contract's JSON error. */
    static void assertInvalidToken(HttpResponse<String> response, String description) {
        assertEquals(401, response.statusCode(), response.body());
        assertEquals("Bearer error=\"invalid_token\", error_description=\"" + description + "\"",
                response.headers().firstValue("WWW-Authenticate").orElse("(none)"));
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("{\"error\":{\"code\":\"invalid_token\",\"message\":\"" + description + "\"}}", response.body());
    }

    @Test
    void aValidTokenIsAccepted() {
        assertEquals(200, withToken(Tokens.of("alice")).statusCode());
    }

    @Test
    void aUserRouteWithoutCredentialsIs401WithABareBearerChallenge() {
        var response = server.get("/v1/workflows");
        assertEquals(401, response.statusCode());
        assertEquals("Bearer", response.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals("{\"error\":{\"code\":\"unauthorized\",\"message\":\"this request needs an access token: send "
                + "Authorization: Bearer <token> (a browser's EventSource may use ?ticket= from POST /v1/runs/{id}/ticket "
                + "instead)\"}}", response.body());
    }

    @Test
    void anUnknownPathWithoutCredentialsIs401NotA404() {
        assertEquals(401, server.get("/v1/nothing-here").statusCode());
    }

    @Test
    void healthzIsPublic() {
        assertEquals(200, server.get("/healthz").statusCode());
    }

    @Test
    void anUnsignedTokenIs401() {
        assertInvalidToken(withToken(Tokens.claims("alice").sign(Algorithm.none())),
                "the token is unsigned (alg none); this server accepts only HS256 tokens");
    }

    @Test
    void aTokenSignedWithAnotherAlgorithmIs401() {
        assertInvalidToken(withToken(Tokens.claims("alice").sign(Algorithm.HMAC384(Tokens.SECRET))),
                "the token is signed with HS384; this server accepts only HS256 (WEFT_JWT_SECRET)");
    }

    @Test
    void aTokenSignedWithAnotherSecretIs401() {
        assertInvalidToken(withToken(Tokens.claims("alice").sign(Algorithm.HMAC256("another-secret-of-at-least-32-bytes!!"))),
                "the token's signature does not verify with WEFT_JWT_SECRET");
    }

    @Test
    void aTamperedTokenIs401() {
        String[] parts = Tokens.of("alice").split("\\.");
        String mallory = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(java.util.Base64.getUrlDecoder().decode(parts[1])).replace("alice", "mallory").getBytes());
        assertInvalidToken(withToken(parts[0] + "." + mallory + "." + parts[2]),
                "the token's signature does not verify with WEFT_JWT_SECRET");
    }

    @Test
    void anExpiredTokenIs401WithInvalidToken() {
        Instant exp = Instant.ofEpochSecond(Instant.now().getEpochSecond() - 31 - AccessTokens.LEEWAY_SECONDS);
        assertInvalidToken(withToken(Tokens.sign(Tokens.claims("alice").withIssuedAt(exp.minusSeconds(60)).withExpiresAt(exp))),
                "the token expired at " + exp + " (30 s leeway): get a fresh one");
    }

    @Test
    void aTokenExpiredWithinTheLeewayIsStillAccepted() {
        Instant exp = Instant.now().minusSeconds(AccessTokens.LEEWAY_SECONDS - 10);
        assertEquals(200, withToken(Tokens.sign(Tokens.claims("alice").withIssuedAt(exp.minusSeconds(60)).withExpiresAt(exp)))
                .statusCode());
    }

    @Test
    void aTokenNotValidYetIs401() {
        assertInvalidToken(withToken(Tokens.sign(Tokens.claims("alice").withNotBefore(Instant.now().plusSeconds(120)))),
                "the token is not valid yet (nbf is in the future, beyond 30 s leeway)");
    }

    @Test
    void aTokenWithoutExpiryIs401() {
        assertInvalidToken(withToken(JWT.create().withSubject("alice").sign(Algorithm.HMAC256(Tokens.SECRET))),
                "the token has no expiry (exp): this server accepts only tokens that expire");
    }

    @Test
    void aTokenWithoutSubjectIs401() {
        assertInvalidToken(withToken(JWT.create().withExpiresAt(Instant.now().plusSeconds(600)).sign(Algorithm.HMAC256(Tokens.SECRET))),
                "the token has no subject (sub): this server needs to know whose runs these are");
        assertInvalidToken(withToken(Tokens.of(" ")),
                "the token has no subject (sub): this server needs to know whose runs these are");
    }

    @Test
    void aMalformedTokenIs401() {
        assertInvalidToken(withToken("not-a-jwt"),
                "the token is malformed: a JWT is three base64url parts of JSON separated by dots");
        assertInvalidToken(withToken("e30.e30.x!"), // `{}` header: no algorithm, so unsigned
                "the token is unsigned (alg none); this server accepts only HS256 tokens");
    }

    @Test
    void aMalformedAuthorizationHeaderIs401() {
        for (String value : new String[] {"Basic YWxpY2U6cHc=", "Bearer", "Bearer   ", Tokens.of("alice")}) {
            assertInvalidToken(withAuthorization(value), "the Authorization header must be 'Bearer <token>'");
        }
        assertEquals(200, withAuthorization("bearer " + Tokens.of("alice")).statusCode(), "the scheme is case-insensitive");
    }

    @Test
    void anAccessTokenInTheUrlIsRefused() {
        String token = Tokens.of("alice");
        for (String name : new String[] {"access_token", "token"}) {
            var response = server.get("/v1/workflows?" + name + "=" + token);
            assertInvalidToken(response, "an access token does not belong in the URL (?" + name + "=): send it as "
                    + "Authorization: Bearer <token>, or, for a browser's EventSource, get a ticket from "
                    + "POST /v1/runs/{id}/ticket and use ?ticket=");
            assertFalse(response.body().contains(token), "the answer never quotes the token");
        }
    }

    @Test
    void theIssuerAndAudienceAreCheckedWhenSet() {
        var env = new HashMap<>(Tokens.env());
        env.put("WEFT_JWT_ISSUER", "https://id.example");
        env.put("WEFT_JWT_AUDIENCE", "weft");
        try (TestServer checked = TestServer.start(env)) {
            var right = Tokens.claims("alice").withIssuer("https://id.example").withAudience("weft", "other");
            assertEquals(200, new Caller(checked, Tokens.sign(right)).get("/v1/workflows").statusCode());
            assertInvalidToken(new Caller(checked, Tokens.sign(Tokens.claims("alice").withIssuer("https://evil.example")
                            .withAudience("weft"))).get("/v1/workflows"),
                    "the token's issuer (iss) is not this server's WEFT_JWT_ISSUER");
            assertInvalidToken(new Caller(checked, Tokens.sign(Tokens.claims("alice").withIssuer("https://id.example")
                            .withAudience("another-api"))).get("/v1/workflows"),
                    "the token's audience (aud) does not include this server's WEFT_JWT_AUDIENCE");
            assertInvalidToken(new Caller(checked, Tokens.sign(Tokens.claims("alice").withAudience("weft"))).get("/v1/workflows"),
                    "the token has no issuer (iss); this server accepts only tokens issued by its WEFT_JWT_ISSUER");
            assertInvalidToken(new Caller(checked, Tokens.sign(Tokens.claims("alice").withIssuer("https://id.example")))
                            .get("/v1/workflows"),
                    "the token has no audience (aud); this server accepts only tokens for its WEFT_JWT_AUDIENCE");
        }
    }

    @Test
    void theScopeClaimBecomesThePrincipalsScopes() {
        var auth = new weft.config.Settings.Auth(Tokens.SECRET, null, null, null, false, null);
        var tokens = AccessTokens.from(auth).orElseThrow();
        var principal = tokens.verify(Tokens.sign(Tokens.claims("alice").withClaim("scope", "runs:read  runs:write")), "10.0.0.1");
        assertEquals(new Principal("alice", java.util.List.of("runs:read", "runs:write"), true, "10.0.0.1"), principal);
        assertEquals(java.util.List.of(), tokens.verify(Tokens.of("bob"), "10.0.0.1").scopes());
        assertEquals(java.util.List.of("a", "b"), tokens.verify(Tokens.sign(Tokens.claims("carol")
                .withArrayClaim("scope", new String[] {"a", "b"})), "10.0.0.1").scopes());
    }

    @Test
    void aSecretShorterThan32BytesRefusesToStart() {
        var refused = assertThrows(IllegalArgumentException.class,
                () -> TestServer.start(Map.of("WEFT_JWT_SECRET", "only-31-bytes-long-secret-12345")).close());
        assertEquals("WEFT_JWT_SECRET is 31 bytes long; HS256 needs at least 32 random bytes "
                + "(e.g. WEFT_JWT_SECRET=$(openssl rand -base64 32))", refused.getMessage());
        assertFalse(refused.getMessage().contains("only-31-bytes"), "the message never quotes the secret");
    }

    @Test
    void aSecretAndAPublicKeyTogetherRefuseToStart() {
        var refused = assertThrows(IllegalArgumentException.class, () -> TestServer.start(
                Map.of("WEFT_JWT_SECRET", Tokens.SECRET, "WEFT_JWT_PUBLIC_KEY", "/tmp/key.pem")).close());
        assertTrue(refused.getMessage().startsWith("both WEFT_JWT_SECRET and WEFT_JWT_PUBLIC_KEY are set"), refused.getMessage());
    }
}
