package weft.runs;

import java.util.List;

/**
 * What the access log says about a run that has ended, told by the instance that executed it
 * once its {@code done} is written.
 *
 * @param providers         the providers its agents called, in the order they started
 * @param timeToFirstTokenMs from the run's start to the first text of any agent; null if none came
 * @param durationMs        from the run's start to its end
 */
public record RunEnded(String runId, String subject, String status, String workflow, List<String> providers,
                       long inputTokens, long outputTokens, boolean estimated, Long timeToFirstTokenMs, long durationMs) {
    public RunEnded {
        providers = List.copyOf(providers);
    }
}
