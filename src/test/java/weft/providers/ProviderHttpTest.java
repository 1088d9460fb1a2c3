package weft.providers;

import org.junit.jupiter.api.Test;
import weft.config.Secrets;
import weft.testing.MockProvider;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.net.Authenticator;
import java.net.ConnectException;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProviderHttpTest {
    private static final ProviderHttp.Options ONCE = new ProviderHttp.Options(Duration.ofSeconds(5), 0, Duration.ofMillis(10));

    @Test
    void aPlainHttpProviderIsCalledThroughThePlainClientAndAnHttpsOneThroughTheTlsClient() throws Exception {
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
        try (var mock = MockProvider.start()) {
            mock.enqueue(MockProvider.Reply.sse("data: {\"n\":1}\n\n"));
            var plain = new Recording(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
            var tls = new Recording(null); // refuses at once: no TLS server is needed to see where a request goes
            var http = new ProviderHttp(plain, tls, timers, ONCE, Secrets.NONE);

            var events = new ArrayList<String>();
            http.stream("mock", post(mock.baseUrl() + "/v1/chat"), event -> events.add(event.data()));
            assertEquals(List.of("{\"n\":1}"), events);

            var refused = assertThrows(ProviderException.class,
                    () -> http.stream("mock", post("https://127.0.0.1:9/v1/chat"), event -> true));
            assertTrue(refused.getMessage().contains("cannot connect"), refused.getMessage());

            assertEquals(List.of(mock.baseUrl() + "/v1/chat"), plain.sent);
            assertEquals(List.of("https://127.0.0.1:9/v1/chat"), tls.sent);
        } finally {
            timers.shutdownNow();
        }
    }

    private static HttpRequest post(String url) {
        return HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    }

    /** Notes every URI it is asked to send to; passes the request on, or without a client refuses it. */
    private static final class Recording extends HttpClient {
        final List<String> sent = new ArrayList<>();
        private final HttpClient client;

        Recording(HttpClient client) {
            this.client = client;
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
            sent.add(request.uri().toString());
            return client == null ? CompletableFuture.failedFuture(new ConnectException("Connection refused"))
                    : client.sendAsync(request, handler);
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                                HttpResponse.PushPromiseHandler<T> push) {
            return sendAsync(request, handler);
        }

        @Override
        public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
            throw new UnsupportedOperationException("ProviderHttp sends asynchronously");
        }

        @Override public Optional<CookieHandler> cookieHandler() { return Optional.empty(); }
        @Override public Optional<Duration> connectTimeout() { return Optional.empty(); }
        @Override public Redirect followRedirects() { return Redirect.NEVER; }
        @Override public Optional<ProxySelector> proxy() { return Optional.empty(); }
        @Override public SSLContext sslContext() { return null; }
        @Override public SSLParameters sslParameters() { return new SSLParameters(); }
        @Override public Optional<Authenticator> authenticator() { return Optional.empty(); }
        @Override public Version version() { return Version.HTTP_1_1; }
        @Override public Optional<Executor> executor() { return Optional.empty(); }
    }
}
