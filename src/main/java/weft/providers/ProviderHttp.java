package weft.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.config.Secrets;
import weft.config.Settings;
import weft.json.Jackson;
import weft.sse.SseEvent;
import weft.sse.SseParser;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The part every real provider shares: send a request, retry what is worth retrying,
 * classify failures, then read the answer's Server-Sent Events off the socket as they come.
 *
 * <p>Retries happen only before the answer's body is read, so never after text has
 * streamed: 429 and 5xx are retried with exponential backoff and full jitter, waiting at
 * least what {@code Retry-After} asks. A provider that goes silent for the idle timeout
 * has its connection closed. Cancelling a run interrupts the reading thread, which makes
 * the JDK client close the body and with it the TCP connection, so the provider stops
 * generating (and billing) at once.
 */
public final class ProviderHttp {
    private static final ObjectMapper JSON = Jackson.mapper();
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final int MAX_ERROR_BODY = 64 * 1024;

    /** How patient to be with a provider. */
    public record Options(Duration idleTimeout, int retries, Duration backoff) {}

    /** Handles one event of the provider's stream; returns false once the answer is complete. */
    @FunctionalInterface
    public interface EventHandler {
        boolean onEvent(SseEvent event) throws IOException;

        /** A line outside the SSE format (see {@link SseParser.Listener#onOtherLine}); returns false once the answer is complete. */
        default boolean onOtherLine(String line) throws IOException {
            return true;
        }
    }

    private final HttpClient plain;
    private final HttpClient tls;
    private final ScheduledExecutorService timers;
    private final Options options;
    private final Secrets secrets;

    /**
     * @param plain the client for {@code http://} providers (a model server on this machine or network)
     * @param tls   the client for {@code https://} providers
     */
    public ProviderHttp(HttpClient plain, HttpClient tls, ScheduledExecutorService timers, Options options, Secrets secrets) {
        this.plain = plain;
        this.tls = tls;
        this.timers = timers;
        this.options = options;
        this.secrets = secrets;
    }

    /** One client for every provider. */
    public ProviderHttp(HttpClient client, ScheduledExecutorService timers, Options options, Secrets secrets) {
        this(client, client, timers, options, secrets);
    }

    /** Without configured secrets: credentials in URLs and bearer tokens are still masked. */
    public ProviderHttp(HttpClient client, ScheduledExecutorService timers, Options options) {
        this(client, timers, options, Secrets.NONE);
    }

    /**
     * A provider's base URL from its variable, checked at start-up (a bad one is a
     * configuration mistake, better said then than on the first run) and without a trailing
     * slash, ready for the provider's path to be appended.
     *
     * @param variable the variable it came from, named in the error, e.g. {@code OPENAI_BASE_URL}
     * @param example  a good value to suggest, e.g. {@code https://api.openai.com/v1}
     */
    public static String baseUrl(String variable, String value, String example) {
        String base = value == null ? "" : value.strip();
        while (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        URI uri;
        try {
            uri = new URI(base);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(variable + " '" + Secrets.withoutCredentials(value) + "' is not a valid URL: "
                    + Secrets.withoutCredentials(e.getMessage()));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException(variable + " '" + Secrets.withoutCredentials(value)
                    + "' is not an http(s) URL with a host: use e.g. " + example);
        }
        return base;
    }

    /**
     * Sends {@code request} and hands each SSE event of the answer to {@code handler} until it
     * says the answer is complete. Returns true if it did, false if the stream simply ended
     * (whether that is an error is for the provider to say: Gemini has no end marker).
     */
    public boolean stream(String provider, HttpRequest request, EventHandler handler)
            throws IOException, InterruptedException {
        try {
            HttpResponse<InputStream> response = send(provider, request);
            try (InputStream body = response.body()) {
                String type = response.headers().firstValue("Content-Type").orElse("(none)");
                if (!type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
                    throw new ProviderException(ProviderException.Kind.PROTOCOL, provider + " answered " + type
                            + " instead of an event stream: " + snippet(body));
                }
                return read(provider, body, handler);
            }
        } catch (ProviderException e) {
            throw e.scrubbed(secrets);
        } catch (IOException e) { // not classified (a handler's own): its message may still quote the answer
            throw new IOException(secrets.scrub(e.getMessage()));
        }
    }

    /** Where a provider is reached, for messages: scheme, host and port, never the URL's credentials. */
    public static String where(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }

    private boolean read(String provider, InputStream body, EventHandler handler) throws IOException, InterruptedException {
        // Events and stray lines, in stream order: the parser calls back mid-feed, the handler may throw.
        var pending = new ArrayDeque<Object>();
        var parser = new SseParser(new SseParser.Listener() {
            @Override public void onEvent(SseEvent event) { pending.add(event); }

            @Override public void onOtherLine(String line) { pending.add(line); }
        });
        var watchdog = new IdleWatchdog(body);
        // A provider's chunk is a few hundred bytes, and a read returns what one chunk brought:
        // 2 KB holds that, and a burst takes a few reads. Every open stream keeps this buffer.
        byte[] buffer = new byte[2048];
        try {
            for (int n; (n = body.read(buffer)) != -1; ) {
                watchdog.touch();
                parser.feed(buffer, 0, n);
                if (!deliver(pending, handler)) return true;
            }
            parser.finish();
            if (!deliver(pending, handler)) return true;
            if (watchdog.fired()) throw silent(provider);
            return false;
        } catch (ProviderException e) {
            throw e;
        } catch (IOException e) {
            if (Thread.interrupted()) throw new InterruptedException("cancelled while reading from " + provider);
            if (watchdog.fired()) throw silent(provider);
            throw new ProviderException(ProviderException.Kind.UNAVAILABLE,
                    "the connection to " + provider + " broke mid-answer: " + e.getMessage(), null, e);
        } finally {
            watchdog.stop();
        }
    }

    /** Hands what the parser produced to the handler; false once the handler says the answer is complete. */
    private static boolean deliver(ArrayDeque<Object> pending, EventHandler handler) throws IOException {
        while (!pending.isEmpty()) {
            boolean more = switch (pending.poll()) {
                case SseEvent event -> handler.onEvent(event);
                case String line -> handler.onOtherLine(line);
                default -> throw new IllegalStateException("the parser queued something unknown");
            };
            if (!more) return false;
        }
        return true;
    }

    private ProviderException silent(String provider) {
        return new ProviderException(ProviderException.Kind.TIMEOUT, provider + " sent nothing for "
                + Settings.human(options.idleTimeout()) + " (WEFT_UPSTREAM_IDLE_TIMEOUT); the connection was closed");
    }

    /** Sends the request, retrying refusals worth retrying; returns a 200 whose body is unread. */
    private HttpResponse<InputStream> send(String provider, HttpRequest request) throws IOException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            ProviderException failure;
            try {
                HttpResponse<InputStream> response = exchange(request);
                if (response.statusCode() == 200) return response;
                failure = refusal(provider, response);
            } catch (HttpConnectTimeoutException | ConnectException | SSLException e) {
                failure = unreachable(provider, request, e);
            } catch (HttpTimeoutException e) {
                failure = new ProviderException(ProviderException.Kind.TIMEOUT, provider + " accepted the request but sent no answer within "
                        + Settings.human(options.idleTimeout()) + " (WEFT_UPSTREAM_IDLE_TIMEOUT)", null, e);
            }
            if (!failure.retryable() || attempt >= options.retries()) throw failure;
            Thread.sleep(backoff(attempt, failure.retryAfter()));
        }
    }

    /**
     * Sends and waits for the answer's headers, at most the idle timeout: a provider that accepts
     * the connection and never answers must not hold a run until its own time limit. The wait is
     * this thread's own; {@code HttpRequest.timeout} would arm a timer in the client's queue,
     * under a lock its selector thread takes too, for every request of every run.
     */
    private HttpResponse<InputStream> exchange(HttpRequest request) throws IOException, InterruptedException {
        HttpClient client = "https".equalsIgnoreCase(request.uri().getScheme()) ? tls : plain;
        var pending = client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        try {
            return pending.get(options.idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            abandon(pending);
            throw new HttpTimeoutException("no answer within " + Settings.human(options.idleTimeout()));
        } catch (InterruptedException e) {
            abandon(pending);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(e.getCause());
        }
    }

    /** Cancels an exchange nobody waits for any more; one that answered meanwhile gets its body closed. */
    private static void abandon(CompletableFuture<HttpResponse<InputStream>> pending) {
        pending.cancel(true);
        pending.thenAccept(response -> {
            try {
                response.body().close();
            } catch (IOException ignored) {
                // Its connection is closed either way.
            }
        });
    }

    private static ProviderException unreachable(String provider, HttpRequest request, IOException e) {
        String where = where(request.uri());
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        if (root instanceof UnresolvedAddressException || root instanceof java.net.UnknownHostException) {
            return new ProviderException(ProviderException.Kind.UNAVAILABLE, "cannot resolve the host of " + where
                    + " for " + provider + ": check its base URL", null, e);
        }
        if (e instanceof HttpConnectTimeoutException && "https".equals(request.uri().getScheme())) {
            return new ProviderException(ProviderException.Kind.UNAVAILABLE, "the connection or TLS handshake with "
                    + where + " did not complete for " + provider + ": check the host, and http:// versus https://", null, e);
        }
        if (root instanceof SSLException) {
            return new ProviderException(ProviderException.Kind.UNAVAILABLE, "TLS with " + where + " failed for "
                    + provider + ": " + root.getMessage(), null, e);
        }
        return new ProviderException(ProviderException.Kind.UNAVAILABLE, "cannot connect to " + provider + " at "
                + where + ": " + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage()), null, e);
    }

    /** Classifies a non-200 answer, passing on the provider's own message. */
    private static ProviderException refusal(String provider, HttpResponse<InputStream> response) throws IOException {
        int status = response.statusCode();
        String message;
        try (InputStream body = response.body()) {
            message = errorMessage(body.readNBytes(MAX_ERROR_BODY));
        }
        String text = provider + " answered " + status + ": " + message;
        Duration retryAfter = response.headers().firstValue("Retry-After").map(ProviderHttp::retryAfter).orElse(null);
        ProviderException.Kind kind = switch (status) {
            case 401, 403 -> ProviderException.Kind.AUTH;
            case 429 -> ProviderException.Kind.RATE_LIMITED;
            case 408 -> ProviderException.Kind.TIMEOUT;
            default -> status >= 500 ? ProviderException.Kind.UNAVAILABLE : ProviderException.Kind.BAD_REQUEST;
        };
        return new ProviderException(kind, text, retryAfter, null);
    }

    /**
     * The provider's own words from an error body: {@code error.message} as OpenAI, Anthropic
     * and Gemini all put it (Gemini sometimes inside an array), else the body's start.
     */
    static String errorMessage(byte[] body) {
        try {
            JsonNode json = JSON.readTree(body);
            if (json != null && json.isArray() && !json.isEmpty()) json = json.get(0);
            if (json != null && json.path("error").path("message").isTextual()) return json.path("error").path("message").asText();
            if (json != null && json.path("error").isTextual()) return json.path("error").asText();
        } catch (IOException notJson) {
            // fall through to the raw text
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? "(no body)" : text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }

    /** {@code Retry-After} in seconds; an HTTP date is honoured too. */
    static Duration retryAfter(String value) {
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip())));
        } catch (NumberFormatException e) {
            try {
                var when = java.time.ZonedDateTime.parse(value.strip(), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME);
                return Duration.between(java.time.Instant.now(), when.toInstant()).isNegative() ? Duration.ZERO
                        : Duration.between(java.time.Instant.now(), when.toInstant());
            } catch (java.time.format.DateTimeParseException ignored) {
                return null;
            }
        }
    }

    /** Full jitter on an exponential ceiling, but never shorter than what the provider asked for. */
    private Duration backoff(int attempt, Duration retryAfter) {
        long ceiling = Math.min(MAX_BACKOFF.toMillis(), options.backoff().toMillis() << Math.min(attempt, 16));
        long jittered = ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
        long asked = retryAfter == null ? 0 : Math.min(retryAfter.toMillis(), MAX_BACKOFF.toMillis());
        return Duration.ofMillis(Math.max(jittered, asked));
    }

    private static String snippet(InputStream body) throws IOException {
        String text = new String(body.readNBytes(200), StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? "(empty body)" : text;
    }

    /**
     * Closes the body when no byte has come for the idle timeout. Closing the JDK client's
     * body stream from another thread ends the blocked read, which then sees the end.
     */
    private final class IdleWatchdog implements Runnable {
        private final InputStream body;
        private final long idleNanos = options.idleTimeout().toNanos();
        private volatile long lastByte = System.nanoTime();
        private volatile boolean fired;
        private volatile boolean stopped;
        private ScheduledFuture<?> next;

        IdleWatchdog(InputStream body) {
            this.body = body;
            schedule(idleNanos);
        }

        private synchronized void schedule(long nanos) {
            if (!stopped) next = timers.schedule(this, nanos, TimeUnit.NANOSECONDS);
        }

        void touch() {
            lastByte = System.nanoTime();
        }

        boolean fired() {
            return fired;
        }

        @Override
        public void run() {
            long quiet = System.nanoTime() - lastByte;
            if (quiet < idleNanos) {
                schedule(idleNanos - quiet);
                return;
            }
            fired = true;
            try {
                body.close();
            } catch (IOException ignored) {
                // It is being abandoned anyway.
            }
        }

        synchronized void stop() {
            stopped = true;
            if (next != null) next.cancel(false);
        }
    }
}
