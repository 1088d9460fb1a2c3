package weft.auth;

import com.auth0.jwt.JWT;
import weft.config.Settings;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * {@code ./run.sh token --sub alice --ttl 1h [--scope "a b"]}: prints an access token signed
 * with the configured {@code WEFT_JWT_SECRET} (and its {@code WEFT_JWT_ISSUER} /
 * {@code WEFT_JWT_AUDIENCE}), for self-hosters without an identity provider.
 */
public final class TokenCommand {
    private static final String USAGE = "usage: ./run.sh token --sub <subject> [--ttl 1h] [--scope \"a b\"]";

    private TokenCommand() {}

    public static void main(String[] args) {
        System.exit(run(System.getenv(), args, System.out, System.err));
    }

    /** Prints the token on {@code out} and answers 0, or explains on {@code err} and answers 2. */
    public static int run(Map<String, String> env, String[] args, PrintStream out, PrintStream err) {
        try {
            out.println(token(env, args, Instant.now()));
            return 0;
        } catch (IllegalArgumentException bad) {
            err.println("weft token: " + bad.getMessage());
            return 2;
        }
    }

    static String token(Map<String, String> env, String[] args, Instant now) {
        String sub = null;
        String scope = null;
        Duration ttl = Duration.ofHours(1);
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) throw new IllegalArgumentException(flag + " needs a value; " + USAGE);
            String value = args[++i];
            switch (flag) {
                case "--sub" -> sub = value;
                case "--scope" -> scope = value;
                case "--ttl" -> ttl = ttl(value);
                default -> throw new IllegalArgumentException("unknown option '" + flag + "'; " + USAGE);
            }
        }
        if (sub == null || sub.isBlank()) throw new IllegalArgumentException("--sub is required: whose runs these are; " + USAGE);
        Settings.Auth auth = Settings.load(env).auth();
        if (auth.jwtSecret() == null) {
            throw new IllegalArgumentException(auth.jwtPublicKeyFile() != null
                    ? "this server verifies tokens with WEFT_JWT_PUBLIC_KEY: get them from the identity provider that "
                    + "holds its private key (this command signs only with WEFT_JWT_SECRET)"
                    : "WEFT_JWT_SECRET is not set: set the same secret for the server and this command, e.g. "
                    + "export WEFT_JWT_SECRET=$(openssl rand -base64 32)");
        }
        var token = JWT.create().withSubject(sub).withIssuedAt(now).withExpiresAt(now.plus(ttl));
        if (auth.jwtIssuer() != null) token.withIssuer(auth.jwtIssuer());
        if (auth.jwtAudience() != null) token.withAudience(auth.jwtAudience());
        if (scope != null) token.withClaim("scope", scope);
        return token.sign(AccessTokens.hs256(auth.jwtSecret()));
    }

    private static Duration ttl(String text) {
        try {
            Duration d = Settings.parseDuration(text);
            if (!d.isZero()) return d;
        } catch (IllegalArgumentException | ArithmeticException bad) {
            // reported below
        }
        throw new IllegalArgumentException("--ttl " + text + " is not a duration: write 30m, 1h or 3600s");
    }
}
