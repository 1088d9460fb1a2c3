package weft.auth;

import com.auth0.jwt.JWT;
import org.junit.jupiter.api.Test;
import weft.testing.Caller;
import weft.testing.TestServer;
import weft.testing.Tokens;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./run.sh token}: a token the server with the same settings accepts, or a clear word why not. */
class TokenCommandTest {
    private record Outcome(int code, String out, String err) {}

    private static Outcome run(Map<String, String> env, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = TokenCommand.run(env, args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void itPrintsATokenTheServerAccepts() {
        var env = new HashMap<>(Tokens.env());
        env.put("WEFT_JWT_ISSUER", "weft-self");
        env.put("WEFT_JWT_AUDIENCE", "weft");
        var outcome = run(env, "--sub", "alice", "--ttl", "1h", "--scope", "runs");
        assertEquals(0, outcome.code(), outcome.err());
        String token = outcome.out().strip();
        var jwt = JWT.decode(token);
        assertEquals("alice", jwt.getSubject());
        assertEquals("weft-self", jwt.getIssuer());
        assertEquals(java.util.List.of("weft"), jwt.getAudience());
        assertEquals(3600, jwt.getExpiresAtAsInstant().getEpochSecond() - jwt.getIssuedAtAsInstant().getEpochSecond());
        try (TestServer server = TestServer.start(env)) {
            var caller = new Caller(server, token);
            String runId = caller.startBackground("\"input\":\"hi\"");
            assertEquals(200, caller.get("/v1/runs/" + runId).statusCode());
        }
    }

    @Test
    void withoutASecretItSaysWhatToSet() {
        var outcome = run(Map.of(), "--sub", "alice");
        assertEquals(2, outcome.code());
        assertEquals("weft token: WEFT_JWT_SECRET is not set: set the same secret for the server and this command, "
                + "e.g. export WEFT_JWT_SECRET=$(openssl rand -base64 32)\n", outcome.err());
        assertEquals("", outcome.out());
    }

    @Test
    void withOnlyAPublicKeyItPointsAtTheIdentityProvider() {
        var outcome = run(Map.of("WEFT_JWT_PUBLIC_KEY", "/etc/weft/idp.pem"), "--sub", "alice");
        assertEquals(2, outcome.code());
        assertTrue(outcome.err().contains("get them from the identity provider that holds its private key"), outcome.err());
    }

    @Test
    void badArgumentsAreExplained() {
        assertTrue(run(Tokens.env()).err().contains("--sub is required"));
        assertTrue(run(Tokens.env(), "--sub", "alice", "--ttl", "soon").err()
                .contains("--ttl soon is not a duration: write 30m, 1h or 3600s"));
        assertTrue(run(Tokens.env(), "--sub").err().contains("--sub needs a value"));
        assertTrue(run(Tokens.env(), "--who", "alice").err().contains("unknown option '--who'"));
        assertTrue(run(Map.of("WEFT_JWT_SECRET", "short"), "--sub", "alice").err()
                .contains("WEFT_JWT_SECRET is 5 bytes long; HS256 needs at least 32"));
    }
}
