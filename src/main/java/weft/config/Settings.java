package weft.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Every setting of the server, read once at start-up from environment variables, which
 * flags of the same name in lower case override ({@code --weft_port=9090} or
 * {@code --weft_port 9090}). A bad value stops the server with a message that names the
 * variable and the value.
 *
 * <p>Durations are written {@code 250ms}, {@code 30s}, {@code 15m} or {@code 1h}; a bare
 * number means seconds.
 */
public record Settings(
        String host,
        int port,
        String defaultProvider,
        String openaiApiKey, String openaiBaseUrl,
        String anthropicApiKey, String anthropicBaseUrl,
        String geminiApiKey, String geminiBaseUrl,
        String openaiModel, String anthropicModel, String geminiModel,
        Duration upstreamIdleTimeout,
        int providerRetries,
        Duration providerBackoff,
        String redisUrl,
        String workflowsFile,
        Duration heartbeat,
        Duration sseRetry,
        Duration disconnectGrace,
        Duration runTimeout,
        Duration runRetention,
        Duration shutdownGrace,
        int maxBodyBytes,
        int maxInputChars,
        int maxActiveRuns,
        int rateLimitPerMinute,
        Duration demoTimeToFirstToken,
        double demoTokensPerSecond,
        String redisPrefix,
        Duration runLease,
        Duration sessionTtl,
        int maxHistoryChars,
        int maxRetainedRuns,
        int maxSessions,
        int maxRetainedMegabytes,
        Auth auth,
        Web web,
        Limits limits,
        LogMode log,
        Tools tools) {

    /**
     * What agents may do with tools: {@code WEFT_MAX_TOOL_STEPS} model calls per agent,
     * {@code WEFT_TOOL_TIMEOUT} for a client's answer, {@code WEFT_MAX_TOOLS} per run,
     * {@code WEFT_MAX_TOOL_RESULT_CHARS} per posted result.
     */
    public record Tools(int maxSteps, Duration clientTimeout, int maxTools, int maxResultChars) {}

    /** Who may call: the pinned JWT key, the claims checked, the escape hatch. Its text hides the secrets. */
    public record Auth(String jwtSecret, String jwtPublicKeyFile, String jwtIssuer, String jwtAudience,
                       boolean insecure, String metricsToken) {
        /** True when requests must carry a token. */
        public boolean enabled() {
            return jwtSecret != null || jwtPublicKeyFile != null;
        }

        @Override
        public String toString() {
            return "Auth[" + (jwtSecret != null ? "HS256" : jwtPublicKeyFile != null ? "public key " + jwtPublicKeyFile : "none")
                    + ", issuer=" + jwtIssuer + ", audience=" + jwtAudience + ", insecure=" + insecure
                    + ", metricsToken=" + (metricsToken == null ? "none" : "set") + "]";
        }
    }

    /** Where requests may come from and how they arrive: browsers' origins, host names, proxies, TLS. */
    public record Web(java.util.List<String> corsOrigins, java.util.List<String> allowedHosts,
                      java.util.List<String> trustedProxies, String tlsKeystore, String tlsPassword) {
        @Override
        public String toString() {
            return "Web[corsOrigins=" + corsOrigins + ", allowedHosts=" + allowedHosts + ", trustedProxies=" + trustedProxies
                    + ", tlsKeystore=" + tlsKeystore + ", tlsPassword=" + (tlsPassword == null ? "none" : "set") + "]";
        }
    }

    /**
     * Bounds on what one client or user may hold or send; 0 turns a per-user limit off.
     * Global: {@code maxStreams} open streams, {@code maxConnections} open connections.
     */
    public record Limits(int maxRunsPerUser, int maxStreamsPerUser, long tokensPerDay, int maxStreams,
                         int maxConnections, Duration requestTimeout, int maxHeaders, int maxHeaderBytes,
                         int maxDocuments, int maxDocumentChars, int maxTokens, int maxFollowersPerRun) {}

    /** {@code WEFT_LOG}: what goes to the access log on stdout. */
    public enum LogMode { REQUESTS, RUNS, OFF }

    /** Every setting but the secrets: keys say only whether they are set, URLs lose their credentials. */
    @Override
    public String toString() {
        return "Settings[host=" + host + ", port=" + port + ", defaultProvider=" + defaultProvider
                + ", openaiApiKey=" + set(openaiApiKey) + ", openaiBaseUrl=" + Secrets.withoutCredentials(openaiBaseUrl)
                + ", anthropicApiKey=" + set(anthropicApiKey) + ", anthropicBaseUrl=" + Secrets.withoutCredentials(anthropicBaseUrl)
                + ", geminiApiKey=" + set(geminiApiKey) + ", geminiBaseUrl=" + Secrets.withoutCredentials(geminiBaseUrl)
                + ", openaiModel=" + openaiModel + ", anthropicModel=" + anthropicModel + ", geminiModel=" + geminiModel
                + ", upstreamIdleTimeout=" + upstreamIdleTimeout + ", providerRetries=" + providerRetries
                + ", providerBackoff=" + providerBackoff + ", redisUrl=" + Secrets.withoutCredentials(redisUrl)
                + ", workflowsFile=" + workflowsFile + ", heartbeat=" + heartbeat + ", sseRetry=" + sseRetry
                + ", disconnectGrace=" + disconnectGrace + ", runTimeout=" + runTimeout + ", runRetention=" + runRetention
                + ", shutdownGrace=" + shutdownGrace + ", maxBodyBytes=" + maxBodyBytes + ", maxInputChars=" + maxInputChars
                + ", maxActiveRuns=" + maxActiveRuns + ", rateLimitPerMinute=" + rateLimitPerMinute
                + ", demoTimeToFirstToken=" + demoTimeToFirstToken + ", demoTokensPerSecond=" + demoTokensPerSecond
                + ", redisPrefix=" + redisPrefix + ", runLease=" + runLease + ", sessionTtl=" + sessionTtl
                + ", maxHistoryChars=" + maxHistoryChars + ", maxRetainedRuns=" + maxRetainedRuns + ", maxSessions=" + maxSessions
                + ", maxRetainedMegabytes=" + maxRetainedMegabytes + ", auth=" + auth + ", web=" + web + ", limits=" + limits
                + ", log=" + log + ", tools=" + tools + "]";
    }

    private static String set(String secret) {
        return secret == null ? "none" : "set";
    }

    public static Settings load(Map<String, String> env, String... args) {
        var vars = new Vars(merge(env, args));
        return checked(vars, new Settings(
                vars.string("WEFT_HOST", "127.0.0.1"),
                vars.integer("WEFT_PORT", 8080, 0, 65535),
                vars.string("WEFT_PROVIDER", null),
                vars.string("OPENAI_API_KEY", null), vars.string("OPENAI_BASE_URL", null),
                vars.string("ANTHROPIC_API_KEY", null), vars.string("ANTHROPIC_BASE_URL", null),
                vars.string("GEMINI_API_KEY", null), vars.string("GEMINI_BASE_URL", null),
                vars.string("OPENAI_MODEL", "gpt-4o-mini"), vars.string("ANTHROPIC_MODEL", "claude-sonnet-4-5"),
                vars.string("GEMINI_MODEL", "gemini-2.5-flash"),
                vars.duration("WEFT_UPSTREAM_IDLE_TIMEOUT", "60s"),
                vars.integer("WEFT_PROVIDER_RETRIES", 2, 0, 10),
                vars.duration("WEFT_PROVIDER_BACKOFF", "500ms"),
                redisUrl(vars.string("REDIS_URL", null)),
                vars.string("WEFT_WORKFLOWS", null),
                vars.duration("WEFT_HEARTBEAT", "15s"),
                vars.duration("WEFT_SSE_RETRY", "2s"),
                vars.duration("WEFT_DISCONNECT_GRACE", "30s"),
                vars.duration("WEFT_RUN_TIMEOUT", "10m"),
                vars.duration("WEFT_RUN_RETENTION", "15m"),
                vars.duration("WEFT_SHUTDOWN_GRACE", "3s"),
                vars.integer("WEFT_MAX_BODY_BYTES", 1 << 20, 1, Integer.MAX_VALUE - 1),
                vars.integer("WEFT_MAX_INPUT_CHARS", 200_000, 1, Integer.MAX_VALUE),
                vars.integer("WEFT_MAX_ACTIVE_RUNS", 20_000, 1, Integer.MAX_VALUE),
                vars.integer("WEFT_RATE_LIMIT", 0, 0, Integer.MAX_VALUE),
                vars.duration("WEFT_DEMO_TTFT", "300ms"),
                vars.decimal("WEFT_DEMO_TOKENS_PER_SECOND", 60),
                vars.string("WEFT_REDIS_PREFIX", "weft:"),
                vars.duration("WEFT_RUN_LEASE", "10s"),
                vars.duration("WEFT_SESSION_TTL", "24h"),
                vars.integer("WEFT_MAX_HISTORY_CHARS", 1_000_000, 1, Integer.MAX_VALUE),
                vars.integer("WEFT_MAX_RETAINED_RUNS", 50_000, 1, Integer.MAX_VALUE),
                vars.integer("WEFT_MAX_SESSIONS", 100_000, 1, Integer.MAX_VALUE),
                vars.integer("WEFT_MAX_RETAINED_MB", 512, 1, 1 << 20),
                new Auth(vars.string("WEFT_JWT_SECRET", null), vars.string("WEFT_JWT_PUBLIC_KEY", null),
                        vars.string("WEFT_JWT_ISSUER", null), vars.string("WEFT_JWT_AUDIENCE", null),
                        vars.flag("WEFT_INSECURE"), vars.string("WEFT_METRICS_TOKEN", null)),
                new Web(vars.list("WEFT_CORS_ORIGINS"), vars.list("WEFT_ALLOWED_HOSTS"), vars.list("WEFT_TRUSTED_PROXIES"),
                        vars.string("WEFT_TLS_KEYSTORE", null), vars.string("WEFT_TLS_PASSWORD", null)),
                new Limits(vars.integer("WEFT_MAX_RUNS_PER_USER", 0, 0, Integer.MAX_VALUE),
                        vars.integer("WEFT_MAX_STREAMS_PER_USER", 0, 0, Integer.MAX_VALUE),
                        vars.integer("WEFT_TOKENS_PER_DAY", 0, 0, Integer.MAX_VALUE),
                        vars.integer("WEFT_MAX_STREAMS", 20_000, 1, Integer.MAX_VALUE),
                        vars.integer("WEFT_MAX_CONNECTIONS", 0, 0, Integer.MAX_VALUE),
                        vars.duration("WEFT_REQUEST_TIMEOUT", "30s"),
                        vars.integer("WEFT_MAX_HEADERS", 100, 1, 10_000),
                        vars.integer("WEFT_MAX_HEADER_BYTES", 64 * 1024, 1024, 1 << 24),
                        vars.integer("WEFT_MAX_DOCUMENTS", 100, 0, 100_000),
                        vars.integer("WEFT_MAX_DOCUMENT_CHARS", 1_000_000, 0, Integer.MAX_VALUE),
                        vars.integer("WEFT_MAX_TOKENS", 32_768, 1, Integer.MAX_VALUE),
                        vars.integer("WEFT_MAX_FOLLOWERS_PER_RUN", 100, 1, Integer.MAX_VALUE)),
                vars.choice("WEFT_LOG", LogMode.REQUESTS),
                new Tools(vars.integer("WEFT_MAX_TOOL_STEPS", 8, 1, 1000),
                        vars.duration("WEFT_TOOL_TIMEOUT", "5m"),
                        vars.integer("WEFT_MAX_TOOLS", 32, 0, 1000),
                        vars.integer("WEFT_MAX_TOOL_RESULT_CHARS", 100_000, 1, Integer.MAX_VALUE))));
    }

    /** Refuses combinations of values that are each fine alone. */
    private static Settings checked(Vars vars, Settings s) {
        if (s.sessionTtl().compareTo(s.runTimeout()) <= 0) {
            // A run renews its session when it starts and appends its answer when it ends.
            throw new IllegalArgumentException("WEFT_SESSION_TTL=" + vars.string("WEFT_SESSION_TTL", "24h")
                    + " must be longer than WEFT_RUN_TIMEOUT=" + vars.string("WEFT_RUN_TIMEOUT", "10m") + ": a session has to outlive its longest run to take the answer; "
                    + "raise WEFT_SESSION_TTL or lower WEFT_RUN_TIMEOUT");
        }
        return s;
    }

    /** {@code redis://[user:password@]host[:port][/db]} or {@code rediss://…} for TLS; refused at start-up otherwise. */
    private static String redisUrl(String url) {
        if (url == null) return null;
        try {
            var uri = new java.net.URI(url);
            boolean scheme = "redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme());
            String path = uri.getPath() == null ? "" : uri.getPath();
            if (scheme && uri.getHost() != null && path.matches("(/\\d*)?")) return url;
        } catch (java.net.URISyntaxException bad) {
            // reported below
        }
        throw new IllegalArgumentException("REDIS_URL=" + Secrets.withoutCredentials(url) + " is not a Redis URL: write redis://host:6379 "
                + "(or redis://:password@host:6379/0, rediss:// for TLS), or leave it unset to keep everything in memory");
    }

    /** Flags win over the environment: {@code --weft_port=1} and {@code --weft_port 1} both set WEFT_PORT. */
    private static Map<String, String> merge(Map<String, String> env, String[] args) {
        var all = new HashMap<>(env);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) throw new IllegalArgumentException("unexpected argument '" + arg + "': flags look like --weft_port=8080");
            String flag = arg.substring(2);
            int eq = flag.indexOf('=');
            String name = eq >= 0 ? flag.substring(0, eq) : flag;
            String value;
            if (eq >= 0) value = flag.substring(eq + 1);
            else if (i + 1 < args.length) value = args[++i];
            else throw new IllegalArgumentException("flag --" + name + " needs a value");
            all.put(name.toUpperCase(java.util.Locale.ROOT), value);
        }
        return all;
    }

    /** Parses named values, failing with the variable's name and the offending value. */
    private record Vars(Map<String, String> values) {
        String string(String name, String fallback) {
            String v = values.get(name);
            return v == null || v.isBlank() ? fallback : v.strip();
        }

        int integer(String name, int fallback, int min, int max) {
            String v = string(name, null);
            if (v == null) return fallback;
            try {
                int n = Integer.parseInt(v);
                if (n >= min && n <= max) return n;
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException(name + "=" + v + " is not a whole number from " + min + " to " + max);
        }

        boolean flag(String name) {
            String v = string(name, null);
            if (v == null || v.equals("0") || v.equalsIgnoreCase("false")) return false;
            if (v.equals("1") || v.equalsIgnoreCase("true")) return true;
            throw new IllegalArgumentException(name + "=" + v + " is not a flag: write 1 or 0");
        }

        /** Comma-separated values, blanks dropped. */
        java.util.List<String> list(String name) {
            String v = string(name, null);
            if (v == null) return java.util.List.of();
            return java.util.Arrays.stream(v.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
        }

        <E extends Enum<E>> E choice(String name, E fallback) {
            String v = string(name, null);
            if (v == null) return fallback;
            for (E e : fallback.getDeclaringClass().getEnumConstants()) {
                if (e.name().equalsIgnoreCase(v)) return e;
            }
            throw new IllegalArgumentException(name + "=" + v + " is not one of "
                    + java.util.Arrays.stream(fallback.getDeclaringClass().getEnumConstants())
                    .map(e -> e.name().toLowerCase(java.util.Locale.ROOT)).toList());
        }

        double decimal(String name, double fallback) {
            String v = string(name, null);
            if (v == null) return fallback;
            try {
                double d = Double.parseDouble(v);
                if (d >= 0 && Double.isFinite(d)) return d;
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException(name + "=" + v + " is not a non-negative number");
        }

        Duration duration(String name, String fallback) {
            String v = string(name, fallback);
            try {
                return parseDuration(v);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + "=" + v + " is not a duration: write 250ms, 30s, 15m or 1h");
            }
        }
    }

    /** A duration as a person writes it: {@code 300 ms}, {@code 30 s}, {@code 10 min}. */
    public static String human(Duration d) {
        if (d.toMillis() < 1000) return d.toMillis() + " ms";
        if (d.toSeconds() < 120 || d.toSeconds() % 60 != 0) return d.toSeconds() + " s";
        return d.toMinutes() + " min";
    }

    public static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        int unitAt = 0;
        while (unitAt < t.length() && Character.isDigit(t.charAt(unitAt))) unitAt++;
        if (unitAt == 0) throw new IllegalArgumentException(text);
        long n = Long.parseLong(t.substring(0, unitAt));
        return switch (t.substring(unitAt)) {
            case "ms" -> Duration.ofMillis(n);
            case "", "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException(text);
        };
    }
}
