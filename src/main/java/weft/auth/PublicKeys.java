package weft.auth;

import com.auth0.jwt.algorithms.Algorithm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * {@code WEFT_JWT_PUBLIC_KEY}: a PEM file holding one SPKI public key ({@code BEGIN PUBLIC
 * KEY}, what {@code openssl pkey -pubout} writes). Its type pins the algorithm: an RSA key
 * means RS256, a P-256 key ES256. Anything else stops the server with what to do instead.
 */
final class PublicKeys {
    private static final String BEGIN = "-----BEGIN PUBLIC KEY-----";
    private static final String END = "-----END PUBLIC KEY-----";

    private PublicKeys() {}

    static Algorithm algorithm(String file) {
        String pem;
        try {
            pem = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw bad(file, "cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        int begin = pem.indexOf(BEGIN);
        int end = pem.indexOf(END);
        if (begin < 0 || end < begin) {
            String hint = pem.contains("BEGIN RSA PUBLIC KEY") ? "it is a PKCS#1 RSA key: convert it with "
                    + "'openssl rsa -RSAPublicKey_in -in " + file + " -pubout'"
                    : pem.contains("PRIVATE KEY") ? "it holds a private key: give Weft only the public one "
                    + "('openssl pkey -in key.pem -pubout')"
                    : pem.contains("CERTIFICATE") ? "it is a certificate: extract its key with 'openssl x509 -in "
                    + file + " -pubkey -noout'"
                    : "it has no '" + BEGIN + "' block";
            throw bad(file, "is not a PEM public key: " + hint);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw bad(file, "has a '" + BEGIN + "' block that is not base64");
        }
        PublicKey key = parse(file, der);
        if (key instanceof RSAPublicKey rsa) {
            if (rsa.getModulus().bitLength() < 2048) {
                throw bad(file, "holds a " + rsa.getModulus().bitLength() + "-bit RSA key; RS256 needs at least 2048 bits");
            }
            return Algorithm.RSA256(rsa, null);
        }
        ECPublicKey ec = (ECPublicKey) key;
        int bits = ec.getParams().getCurve().getField().getFieldSize();
        if (bits != 256) {
            throw bad(file, "holds an EC key on a " + bits + "-bit curve; ES256 needs a P-256 (prime256v1) key");
        }
        return Algorithm.ECDSA256(ec, null);
    }

    private static PublicKey parse(String file, byte[] der) {
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException notThisType) {
                // try the next
            }
        }
        throw bad(file, "holds a key that is neither RSA nor EC: Weft verifies RS256 and ES256 tokens");
    }

    private static IllegalArgumentException bad(String file, String why) {
        return new IllegalArgumentException("WEFT_JWT_PUBLIC_KEY=" + file + " " + why);
    }
}
