package io.genaibatch.poll;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import io.genaibatch.records.JobState;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.records.Usage;

/**
 * What the poller counts, in one place, for the metrics to expose later. Everything is counted when its
 * transaction has committed, so the figures match what consumers of the topics see. Thread-safe: written by the
 * poller thread, read by anyone.
 */
public final class PollerCounters {
    private final Map<JobState, LongAdder> jobStates = adders(JobState.class);
    private final Map<ResponseStatus, LongAdder> responses = adders(ResponseStatus.class);
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder candidatesTokens = new LongAdder();
    private final LongAdder totalTokens = new LongAdder();
    private final LongAdder unattachedResults = new LongAdder();
    private final LongAdder apiErrors = new LongAdder();
    private final LongAdder chunks = new LongAdder();
    private final LongAdder jobErrors = new LongAdder();

    /**
     * A copy of the counters.
     *
     * @param jobStates         state changes recorded in genai.jobs, by the new state
     * @param responses         responses published, by status
     * @param promptTokens      sum of usage.promptTokens over published responses
     * @param candidatesTokens  sum of usage.candidatesTokens
     * @param totalTokens       sum of usage.totalTokens
     * @param unattachedResults results attached to no request (no key, unknown key, duplicated key, unreadable)
     * @param apiErrors         failed Gemini API calls (after the client's own retries)
     * @param chunks            publication transactions committed
     * @param jobErrors         rounds of work on a job that failed and were rescheduled (Kafka, disk, API)
     */
    public record Snapshot(Map<JobState, Long> jobStates, Map<ResponseStatus, Long> responses, long promptTokens,
                           long candidatesTokens, long totalTokens, long unattachedResults, long apiErrors,
                           long chunks, long jobErrors) {
        public long responses(ResponseStatus status) {
            return responses.getOrDefault(status, 0L);
        }
    }

    public Snapshot snapshot() {
        return new Snapshot(sums(jobStates), sums(responses), promptTokens.sum(), candidatesTokens.sum(),
                totalTokens.sum(), unattachedResults.sum(), apiErrors.sum(), chunks.sum(), jobErrors.sum());
    }

    void jobState(JobState state) {
        jobStates.get(state).increment();
    }

    void response(ResponseStatus status, Usage usage) {
        responses.get(status).increment();
        if (usage != null) {
            promptTokens.add(usage.getPromptTokens());
            candidatesTokens.add(usage.getCandidatesTokens());
            totalTokens.add(usage.getTotalTokens());
        }
    }

    void unattachedResults(long n) {
        unattachedResults.add(n);
    }

    void apiError() {
        apiErrors.increment();
    }

    void chunk() {
        chunks.increment();
    }

    void jobError() {
        jobErrors.increment();
    }

    private static <E extends Enum<E>> Map<E, LongAdder> adders(Class<E> type) {
        Map<E, LongAdder> m = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) {
            m.put(e, new LongAdder());
        }
        return Collections.unmodifiableMap(m);
    }

    private static <E extends Enum<E>> Map<E, Long> sums(Map<E, LongAdder> adders) {
        Map<E, Long> m = new EnumMap<>(adders.keySet().iterator().next().getDeclaringClass());
        adders.forEach((k, v) -> m.put(k, v.sum()));
        return Collections.unmodifiableMap(m);
    }
}
