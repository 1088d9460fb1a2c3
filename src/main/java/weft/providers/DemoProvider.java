package weft.providers;

import java.time.Duration;

/** TEMPORARY stub until the real demo lands. */
public final class DemoProvider implements Provider {
    private final Duration ttft; private final double tps;
    public DemoProvider(Duration ttft, double tps) { this.ttft = ttft; this.tps = tps; }
    public String name() { return "demo"; }
    public String defaultModel() { return "weft-demo-1"; }
    public Completion complete(ModelRequest request, TextSink sink) throws InterruptedException {
        Thread.sleep(ttft);
        int n = request.maxTokens() == null ? 300 : request.maxTokens();
        for (int i = 0; i < n; i++) { if (tps > 0) Thread.sleep((long) (1000 / tps)); sink.text(" word" + i); }
        return new Completion(new Usage(5, n, false), "stop");
    }
}
