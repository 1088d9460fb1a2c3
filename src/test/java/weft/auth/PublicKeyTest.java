package weft.auth;

import com.auth0.jwt.algorithms.Algorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import weft.testing.Caller;
import weft.testing.SseStream;
import weft.testing.TestServer;
import weft.testing.Tokens;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** WEFT_JWT_PUBLIC_KEY: an RSA key pins RS256, a P-256 key ES256; keys are generated here, as an identity provider's would be. */
class PublicKeyTest {
    @TempDir
    Path dir;

    private static KeyPair rsa() throws GeneralSecurityException {
        var generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static KeyPair ec(String curve) throws GeneralSecurityException {
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve));
        return generator.generateKeyPair();
    }

    /** What {@code openssl pkey -pubout} writes. */
    private Path pem(KeyPair pair) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pair.getPublic().getEncoded());
        Path file = Files.createTempFile(dir, "key", ".pem");
        Files.writeString(file, "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n");
        return file;
    }

    private static TestServer serverWith(Path key) {
        return TestServer.start(Map.of("WEFT_JWT_PUBLIC_KEY", key.toString()));
    }

    @Test
    void anRsaKeyAcceptsRs256TokensAndNothingElse() throws Exception {
        KeyPair pair = rsa();
        Path key = pem(pair);
        try (TestServer server = serverWith(key)) {
            var rs256 = Algorithm.RSA256((RSAPublicKey) pair.getPublic(), (RSAPrivateKey) pair.getPrivate());
            var alice = new Caller(server, Tokens.claims("alice").sign(rs256));
            assertEquals(200, alice.get("/v1/workflows").statusCode());
            // The classic confusion: the public key's own text used as an HMAC secret.
            AccessTokenTest.assertInvalidToken(new Caller(server, Tokens.claims("alice")
                            .sign(Algorithm.HMAC256(Files.readString(key)))).get("/v1/workflows"),
                    "the token is signed with HS256; this server accepts only RS256 (WEFT_JWT_PUBLIC_KEY)");
            var other = rsa();
            AccessTokenTest.assertInvalidToken(new Caller(server, Tokens.claims("alice").sign(Algorithm.RSA256(
                            (RSAPublicKey) other.getPublic(), (RSAPrivateKey) other.getPrivate()))).get("/v1/workflows"),
                    "the token's signature does not verify with WEFT_JWT_PUBLIC_KEY");
            // Tickets need no secret here: their key is a random one the stores share.
            String runId = alice.startBackground("\"input\":\"hi\"");
            try (SseStream stream = server.stream(java.net.http.HttpRequest.newBuilder(
                    server.uri("/v1/runs/" + runId + "/events?ticket=" + alice.ticket(runId))))) {
                assertEquals("completed", stream.readToDone().getLast().text("status"));
            }
        }
    }

    @Test
    void aP256KeyAcceptsEs256TokensAndNothingElse() throws Exception {
        KeyPair pair = ec("secp256r1");
        try (TestServer server = serverWith(pem(pair))) {
            var es256 = Algorithm.ECDSA256((ECPublicKey) pair.getPublic(), (ECPrivateKey) pair.getPrivate());
            assertEquals(200, new Caller(server, Tokens.claims("alice").sign(es256)).get("/v1/workflows").statusCode());
            var rsa = rsa();
            AccessTokenTest.assertInvalidToken(new Caller(server, Tokens.claims("alice").sign(Algorithm.RSA256(
                            (RSAPublicKey) rsa.getPublic(), (RSAPrivateKey) rsa.getPrivate()))).get("/v1/workflows"),
                    "the token is signed with RS256; this server accepts only ES256 (WEFT_JWT_PUBLIC_KEY)");
            AccessTokenTest.assertInvalidToken(new Caller(server, Tokens.of("alice")).get("/v1/workflows"),
                    "the token is signed with HS256; this server accepts only ES256 (WEFT_JWT_PUBLIC_KEY)");
        }
    }

    private IllegalArgumentException refusedWith(String file) {
        return assertThrows(IllegalArgumentException.class, () -> TestServer.start(Map.of("WEFT_JWT_PUBLIC_KEY", file)).close());
    }

    @Test
    void aMissingKeyFileRefusesToStart() {
        String missing = dir.resolve("nope.pem").toString();
        assertEquals("WEFT_JWT_PUBLIC_KEY=" + missing + " cannot be read (NoSuchFileException: " + missing + ")",
                refusedWith(missing).getMessage());
    }

    @Test
    void aFileThatIsNotAPublicKeyRefusesToStartSayingWhatItIs() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "hello");
        assertEquals("WEFT_JWT_PUBLIC_KEY=" + garbage + " is not a PEM public key: it has no '-----BEGIN PUBLIC KEY-----' block",
                refusedWith(garbage.toString()).getMessage());
        Path pkcs1 = Files.writeString(dir.resolve("rsa.pem"), "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n");
        assertTrue(refusedWith(pkcs1.toString()).getMessage().contains("it is a PKCS#1 RSA key: convert it with 'openssl rsa"));
        Path privateKey = Files.writeString(dir.resolve("private.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertTrue(refusedWith(privateKey.toString()).getMessage().contains("it holds a private key"));
        Path broken = Files.writeString(dir.resolve("broken.pem"), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        assertTrue(refusedWith(broken.toString()).getMessage().endsWith("holds a key that is neither RSA nor EC: Weft verifies RS256 and ES256 tokens"));
    }

    @Test
    void anEcKeyOnAnotherCurveRefusesToStart() throws Exception {
        Path p384 = pem(ec("secp384r1"));
        assertEquals("WEFT_JWT_PUBLIC_KEY=" + p384 + " holds an EC key on a 384-bit curve; ES256 needs a P-256 (prime256v1) key",
                refusedWith(p384.toString()).getMessage());
    }
}
