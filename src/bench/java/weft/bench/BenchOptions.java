package weft.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The benchmark's flags and the plan they make. Every level gets a token rate per stream and
 * a {@code max_tokens}; by default the rate keeps the total delta rate within what two cores
 * serve (the field notes measured 3,000–4,000 relayed deltas/s per core for a bare relay),
 * and {@code max_tokens} makes each level last {@code --duration}.
 *
 * <p>Three modes: {@code core} (Weft with the demo model in process, against the baseline
 * server), {@code relay} (the same levels, the demo model behind an OpenAI-compatible mock
 * upstream, see {@link OpenAiUpstream}) and {@code research} (concurrent runs of the research
 * workflow); {@code all} runs the three in that order.
 *
 * <pre>
 * --mode core                 core | relay | research | all
 * --levels 1,100,1000,10000   concurrent streams per level (core and relay)
 * --rate 1000=5,10000=1       tokens/s per stream at a level (repeatable; default 60 up to 100 streams,
 *                             5 up to 1,000, then 10,000/N)
 * --max-tokens 300 | L=M,…    max_tokens for every level, or per level (default: --duration's worth)
 * --duration 25s              how long each level holds its streams; a client whose stream ends
 *                             sooner (the demo's answer is a few hundred tokens) opens another
 * --ttft 300ms                the demo model's time to first token
 * --ramp 1000                 new connections per second while a level starts (10 s for 10,000)
 * --warmup 50                 streams run (and discarded) on each fresh server before measuring
 * --warm-level                then the level's own traffic once, unmeasured, so that the JIT has compiled
 *                             what the level makes hot: the figures of a server that has been up a while
 * --no-baseline               measure Weft only
 * --redis                     core mode: also measure each level with Weft's stores in Redis (a redis-server the
 *                             benchmark starts on a free loopback port, persistence off, or REDIS_URL if set)
 * --instances 1               with --redis: Weft instances on that one Redis; with 2 or more, runs start on the
 *                             first and each stream follows its run on instance (client number mod N)
 * --out target/bench          where results.md and the servers' logs go
 * --research-levels 100,1000  concurrent research runs per level
 * --research-rate 100=20,1000=2   the demo's tokens/s per agent (default 20 up to 100 runs, then 2,000/N)
 * --research-max-tokens 48    max_tokens of every agent of a research run (or per level, L=M,…)
 * --research-duration 30s     how long a research level keeps starting runs; every client reads at least one
 * </pre>
 */
record BenchOptions(List<Mode> modes, List<Level> levels, List<Level> researchLevels, double rampPerSecond,
                    int warmupStreams, boolean warmLevel, boolean baseline, Path out, boolean redis, int instances) {

    enum Mode { CORE, RELAY, RESEARCH }

    /**
     * One level of the benchmark.
     *
     * @param streams         concurrent streams
     * @param tokensPerSecond the demo model's rate, per stream
     * @param maxTokens       the {@code max_tokens} each stream asks for
     * @param ttft            the demo model's time to first token
     * @param duration        how long the level holds its streams open (clients whose stream ends
     *                        early open another, see {@link Load})
     */
    record Level(int streams, double tokensPerSecond, int maxTokens, Duration ttft, Duration duration) {
        long intervalNanos() {
            return tokensPerSecond > 0 ? (long) (1e9 / tokensPerSecond) : 0;
        }

        /** A gap longer than this is a stall: 5 × the expected token interval + 1 s. */
        long stallNanos() {
            return 5 * intervalNanos() + 1_000_000_000L;
        }

        /** How long a stream of {@code maxTokens} tokens lasts (the demo may end its answer sooner). */
        Duration streamDuration() {
            return ttft.plusNanos(maxTokens * intervalNanos());
        }

        /** A stream open this long is given up: twice its expected length and a minute more. */
        long limitNanos() {
            return 2 * streamDuration().toNanos() + 60_000_000_000L;
        }

        String rate() {
            return tokensPerSecond == Math.rint(tokensPerSecond)
                    ? Long.toString((long) tokensPerSecond) : Double.toString(tokensPerSecond);
        }
    }

    static BenchOptions parse(String[] args) {
        Map<String, String> f = flags(args);
        var known = List.of("mode", "levels", "rate", "max-tokens", "duration", "ttft", "ramp", "warmup", "warm-level", "no-baseline", "out",
                "research-levels", "research-rate", "research-max-tokens", "research-duration", "redis", "instances", "quick", "help");
        for (String name : f.keySet()) {
            if (!known.contains(name)) throw new IllegalArgumentException("unknown flag --" + name + "; the flags are --" + String.join(", --", known));
        }
        if (f.containsKey("help")) throw new IllegalArgumentException("usage");
        // --quick: the guard to run when touching the hot path, core and relay at 1 and 100 streams, in about 2 min.
        boolean quick = f.containsKey("quick");
        if (quick) {
            f = new java.util.HashMap<>(f);
            f.putIfAbsent("mode", "core,relay");
            f.putIfAbsent("levels", "1,100");
            f.putIfAbsent("duration", "6s");
            f.putIfAbsent("warmup", "20");
        }
        Duration ttft = duration("ttft", f.getOrDefault("ttft", "300ms"));
        Duration duration = duration("duration", f.getOrDefault("duration", "25s"));
        // Without a max_tokens, a stream lasts the level's duration.
        var levels = levels("", f.getOrDefault("levels", "1,100,1000,10000"), f, ttft, duration, BenchOptions::defaultRate,
                tps -> (int) Math.max(1, Math.round((duration.minus(ttft).toMillis() / 1000.0) * tps)));
        // A research run's agents all get max_tokens, the planner too, and a cut plan is no plan: the demo's
        // plans for the research inputs are 18–39 tokens, so 48 leaves room and keeps a run at 2 tokens/s
        // to about a minute (planner, then researchers at once, then synthesizer).
        var research = levels("research-", f.getOrDefault("research-levels", "100,1000"), f, ttft,
                duration("research-duration", f.getOrDefault("research-duration", "30s")), BenchOptions::defaultResearchRate,
                tps -> 48);
        double ramp = Double.parseDouble(f.getOrDefault("ramp", "1000"));
        int warmup = Integer.parseInt(f.getOrDefault("warmup", "50"));
        var modes = modes(f.getOrDefault("mode", "core"));
        boolean redis = f.containsKey("redis");
        int instances = positiveInt("instances", f.getOrDefault("instances", "1"));
        if (instances > 1 && !redis) {
            throw new IllegalArgumentException("--instances " + instances + " needs --redis: instances share runs only through Redis");
        }
        if (redis && !modes.contains(Mode.CORE)) {
            throw new IllegalArgumentException("--redis measures the core mode's levels: use --mode core or all");
        }
        return new BenchOptions(modes, levels, research, ramp, warmup, f.containsKey("warm-level"),
                !f.containsKey("no-baseline"), Path.of(f.getOrDefault("out", "target/bench")), redis, instances);
    }

    private static List<Mode> modes(String mode) {
        if (mode.contains(",")) {
            var all = new ArrayList<Mode>();
            for (String one : mode.split(",")) all.addAll(modes(one));
            return List.copyOf(all);
        }
        return switch (mode.strip().toLowerCase(Locale.ROOT)) {
            case "core" -> List.of(Mode.CORE);
            case "relay" -> List.of(Mode.RELAY);
            case "research" -> List.of(Mode.RESEARCH);
            case "all" -> List.of(Mode.CORE, Mode.RELAY, Mode.RESEARCH);
            default -> throw new IllegalArgumentException("--mode " + mode + ": use core, relay, research or all");
        };
    }

    /** The levels of one mode, from the flags named {@code prefix}levels, rate and max-tokens. */
    private static List<Level> levels(String prefix, String counts, Map<String, String> f, Duration ttft, Duration duration,
                                      java.util.function.IntToDoubleFunction defaultRate,
                                      java.util.function.DoubleToIntFunction defaultMaxTokens) {
        Map<Integer, Double> rates = perLevel(prefix + "rate", f.get(prefix + "rate"), Double::parseDouble);
        Map<Integer, Double> maxTokens = perLevel(prefix + "max-tokens", f.get(prefix + "max-tokens"), Double::parseDouble);
        var levels = new ArrayList<Level>();
        for (String l : counts.split(",")) {
            int n = positiveInt(prefix + "levels", l);
            double tps = rates.containsKey(n) ? rates.get(n) : rates.getOrDefault(ALL, defaultRate.applyAsDouble(n));
            if (!(tps > 0)) throw new IllegalArgumentException("--" + prefix + "rate for " + n + " must be above 0");
            Double fixed = maxTokens.containsKey(n) ? maxTokens.get(n) : maxTokens.get(ALL);
            int m = fixed != null ? fixed.intValue() : defaultMaxTokens.applyAsInt(tps);
            if (m < 1) throw new IllegalArgumentException("--" + prefix + "max-tokens must be at least 1");
            levels.add(new Level(n, tps, m, ttft, duration));
        }
        return levels;
    }

    /**
     * 20 tokens/s per agent up to 100 runs, then 2,000/N (2 at 1,000). A research run has one to
     * five agents streaming at once (two to three on average), so 100 runs at 20 and 1,000 at 2 ask
     * for about 4,000–6,000 deltas/s: the core mode's 100- and 1,000-stream load, below saturation.
     */
    static double defaultResearchRate(int runs) {
        return runs <= 100 ? 20 : 2_000.0 / runs;
    }

    /** 60 tokens/s (the demo's realistic rate) up to 100 streams, 5 up to 1,000, then 10,000 deltas/s shared out. */
    static double defaultRate(int streams) {
        if (streams <= 100) return 60;
        if (streams <= 1000) return 5;
        return 10_000.0 / streams;
    }

    static final String USAGE = """
            usage: ./run.sh bench --quick   (core and relay at 1 and 100 streams, ~2 min: run it when touching the hot path)
                   ./run.sh bench --burst [70000]   (does memory come back after a burst of quick runs? ~7 min)
                   ./run.sh bench [--mode core|relay|research|all]
                                  [--levels 1,100,1000,10000] [--rate 1000=5,10000=1] [--max-tokens M | L=M,…]
                                  [--duration 25s] [--ttft 300ms] [--ramp 1000] [--warmup 50] [--warm-level] [--no-baseline] [--out target/bench]
                                  [--redis [--instances 2]]
                                  [--research-levels 100,1000] [--research-rate 100=20,1000=2] [--research-max-tokens 48]
                                  [--research-duration 30s]""";

    private static final int ALL = -1;

    /** "5" (every level) or "1000=5,10000=1" (per level; repeatable flags were joined with commas). */
    private static Map<Integer, Double> perLevel(String flag, String value, java.util.function.Function<String, Double> parse) {
        var map = new TreeMap<Integer, Double>();
        if (value == null) return map;
        for (String item : value.split(",")) {
            int eq = item.indexOf('=');
            try {
                if (eq < 0) map.put(ALL, parse.apply(item.strip()));
                else map.put(positiveInt(flag, item.substring(0, eq)), parse.apply(item.substring(eq + 1).strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + flag + " " + value + ": write a number, or LEVEL=NUMBER,…");
            }
        }
        return map;
    }

    private static int positiveInt(String flag, String text) {
        try {
            int n = Integer.parseInt(text.strip());
            if (n > 0) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("--" + flag + ": '" + text + "' is not a positive whole number");
    }

    private static Duration duration(String flag, String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            if (t.endsWith("m")) return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            if (t.endsWith("s")) t = t.substring(0, t.length() - 1);
            return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + flag + " " + text + ": write 300ms, 25s or 2m");
        }
    }

    /**
     * {@code --name=value}, {@code --name value}, or a bare {@code --name} (value "true").
     * A repeated flag keeps all its values, joined with commas.
     */
    static Map<String, String> flags(String[] args) {
        var flags = new LinkedHashMap<String, String>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "true";
            }
            flags.merge(name, value, (a, b) -> a + "," + b);
        }
        return flags;
    }
}
