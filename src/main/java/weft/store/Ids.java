package weft.store;

import java.security.SecureRandom;
import java.util.Base64;

/** Unguessable identifiers such as {@code r_3kTz9…}: a prefix that says what it names, then 128 random bits. */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private Ids() {}

    public static String newId(String prefix) {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return prefix + ENCODER.encodeToString(bytes);
    }
}
