package weft.edge;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.util.Collections;

/**
 * HTTPS from a PKCS#12 keystore ({@code WEFT_TLS_KEYSTORE}, {@code WEFT_TLS_PASSWORD}), TLS 1.3
 * and 1.2 only; plain HTTP when neither is set. Every problem with the keystore is found
 * before the port is bound, so a misconfigured server refuses to start instead of serving
 * plain HTTP or failing at the first handshake.
 */
public final class Tls {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** Null: plain HTTP. */
    private final SSLContext context;

    private Tls(SSLContext context) {
        this.context = context;
    }

    /** Reads and checks the keystore, if one is configured; refuses every half or broken configuration. */
    public static Tls load(String keystore, String password) {
        if (keystore == null && password == null) return new Tls(null);
        if (keystore == null || password == null) {
            throw new IllegalArgumentException((keystore == null ? "WEFT_TLS_PASSWORD is set without WEFT_TLS_KEYSTORE"
                    : "WEFT_TLS_KEYSTORE is set without WEFT_TLS_PASSWORD")
                    + ": HTTPS needs both (a PKCS#12 file and its password), plain HTTP neither");
        }
        return new Tls(context(Path.of(keystore), password.toCharArray()));
    }

    /** A bound, not yet started server: HTTPS when a keystore is configured. */
    public HttpServer bind(InetSocketAddress address, int backlog) throws IOException {
        if (context == null) return HttpServer.create(address, backlog);
        var server = HttpsServer.create(address, backlog);
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters ssl = context.getDefaultSSLParameters();
                ssl.setProtocols(PROTOCOLS);
                params.setSSLParameters(ssl);
            }
        });
        return server;
    }

    private static SSLContext context(Path file, char[] password) {
        String named = "WEFT_TLS_KEYSTORE=" + file;
        if (!Files.isReadable(file)) throw new IllegalArgumentException(named + " is not a readable file");
        try {
            var store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(file)) {
                store.load(in, password);
            }
            boolean hasKey = false;
            for (String alias : Collections.list(store.aliases())) hasKey |= store.isKeyEntry(alias);
            if (!hasKey) throw new IllegalArgumentException(named + " holds no private key: make one with keytool -genkeypair (see README)");
            var keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            var context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException e) {
            // PKCS12 reports a wrong password as an IOException caused by UnrecoverableKeyException.
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new IllegalArgumentException("WEFT_TLS_PASSWORD does not open " + named + ": check the password");
            }
            throw new IllegalArgumentException(named + " is not a PKCS#12 keystore (" + e.getMessage() + ")");
        } catch (UnrecoverableKeyException e) {
            throw new IllegalArgumentException("WEFT_TLS_PASSWORD does not open the key in " + named + ": check the password");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(named + " cannot be used for TLS: " + e.getMessage());
        }
    }
}
