package io.genaibatch.poll;

import io.genaibatch.ops.Prices;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.JobState;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.records.Usage;
import io.genaibatch.run.Telemetry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * What the poller counts, in one place; what {@code /metrics} shows goes to the telemetry's registry too.
 * Everything is counted when its transaction has committed, so the figures match what consumers of the topics see.
 * Thread-safe: written by the poller thread, read by anyone.
 */
public final class PollerCounters {
    /** Buckets of the job run time: batch jobs take minutes to a day (48 h at most). */
    private static final Duration[] RUN_TIME_BUCKETS =
            durations("PT1M", "PT5M", "PT15M", "PT30M", "PT1H", "PT2H", "PT4H", "PT8H", "PT12H", "PT24H", "PT48H");
    /** Buckets of the request-to-response latency: the batch window, then the job's run time. */
    private static final Duration[] LATENCY_BUCKETS = durations(
            "PT10S", "PT30S", "PT1M", "PT5M", "PT15M", "PT30M", "PT1H", "PT2H", "PT4H", "PT8H", "PT12H", "PT24H",
            "PT48H");

    private final Telemetry telemetry;
    private final MeterRegistry registry;
    private final Prices prices;
    /** Why the poller cannot reach the API as configured, while it cannot. */
    private final AtomicReference<String> apiUnreachable = new AtomicReference<>();

    /** The meters counted per response, looked up once per model (and status), not per response. */
    private record ByModel(Counter tokensIn, Counter tokensOut, Counter costBatch, Counter costInteractive) {}

    private record ByStatus(Counter responses, Timer latency) {}

    private final Map<String, ByModel> byModel = new ConcurrentHashMap<>();
    private final Map<String, ByStatus> byStatus = new ConcurrentHashMap<>();
    private volatile Map<InFlight, Long> jobsInFlight = Map.of();
    private final java.util.Set<InFlight> inFlightGauges = ConcurrentHashMap.newKeySet();
    /** When the oldest job this poller follows was submitted; null when it follows none. */
    private volatile Instant oldestOpenJob;

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
    public record Snapshot(
            Map<JobState, Long> jobStates,
            Map<ResponseStatus, Long> responses,
            long promptTokens,
            long candidatesTokens,
            long totalTokens,
            long unattachedResults,
            long apiErrors,
            long chunks,
            long jobErrors) {
        public long responses(ResponseStatus status) {
            return responses.getOrDefault(status, 0L);
        }
    }

    /** Counting here only. */
    public PollerCounters() {
        this(Telemetry.none(), null);
    }

    /** @param prices for the cost counters; null for none */
    public PollerCounters(Telemetry telemetry, Prices prices) {
        this.telemetry = telemetry;
        this.registry = telemetry.registry();
        this.prices = prices;
        Gauge.builder("genai.jobs.oldest.age", this, PollerCounters::oldestOpenJobAgeSeconds)
                .baseUnit("seconds")
                .description("age of the oldest job this poller follows, since its submission; 0 when none")
                .register(registry);
    }

    public Snapshot snapshot() {
        return new Snapshot(
                sums(jobStates),
                sums(responses),
                promptTokens.sum(),
                candidatesTokens.sum(),
                totalTokens.sum(),
                unattachedResults.sum(),
                apiErrors.sum(),
                chunks.sum(),
                jobErrors.sum());
    }

    void jobState(JobState state) {
        jobStates.get(state).increment();
    }

    /** A job's new state, recorded; a finished one's run time, from its submission to its end, measured. */
    void jobState(BatchJob job) {
        jobState(job.getState());
        if (!PollerJobRecords.isFinished(job.getState())) {
            return;
        }
        String model = job.getModel();
        String state = job.getState().name();
        registry.counter("genai.jobs.finished", "model", model, "state", state).increment();
        Instant from = JobTable.submittedAt(job);
        Instant to = job.getEndedAt() != null ? job.getEndedAt() : job.getUpdatedAt();
        if (from != null && to != null && !to.isBefore(from)) {
            Timer.builder("genai.job.run.time")
                    .tags("model", model, "state", state)
                    .description("from the job's creation at the API to its terminal state")
                    .serviceLevelObjectives(RUN_TIME_BUCKETS)
                    .register(registry)
                    .record(Duration.between(from, to));
        }
    }

    /**
     * A job seen RUNNING for the first time: how long it waited at the API since its submission (its queue time), as
     * this poller observed it (up to one check interval late).
     */
    void jobStarted(BatchJob job, Instant seenRunning) {
        Instant from = JobTable.submittedAt(job);
        if (from != null && !seenRunning.isBefore(from)) {
            Timer.builder("genai.job.queue.time")
                    .tags("model", job.getModel())
                    .description("from the job's creation at the API until the poller first saw it RUNNING")
                    .serviceLevelObjectives(RUN_TIME_BUCKETS)
                    .register(registry)
                    .record(Duration.between(from, seenRunning));
        }
    }

    /**
     * What a response counts for, without its text: a publication keeps one per response of the chunk it sends,
     * to count them once the chunk has committed.
     *
     * @param latency from the request's receipt to the response, null when either is unknown
     */
    record Counted(String model, ResponseStatus status, Usage usage, Duration latency) {
        static Counted of(GenAiResponse r) {
            return new Counted(
                    r.getModel(),
                    r.getStatus(),
                    r.getUsage(),
                    r.getReceivedAt() != null && r.getCompletedAt() != null
                            ? Duration.between(r.getReceivedAt(), r.getCompletedAt())
                            : null);
        }
    }

    void response(GenAiResponse r) {
        response(Counted.of(r));
    }

    void response(Counted r) {
        response(r.status(), r.usage());
        String model = r.model() == null || r.model().isEmpty() ? "unknown" : r.model();
        ByStatus byStatus = byStatus(model, r.status());
        byStatus.responses().increment();
        if (r.latency() != null) {
            byStatus.latency().record(r.latency());
        }
        Usage usage = r.usage();
        if (usage != null) {
            long in = usage.getPromptTokens();
            // Thinking tokens are in the total but not in the candidates, and are billed as output.
            long out = Math.max(usage.getCandidatesTokens(), usage.getTotalTokens() - in);
            ByModel byModel = byModel(model);
            byModel.tokensIn().increment(in);
            byModel.tokensOut().increment(out);
            if (prices != null) {
                Prices.Estimate cost = prices.estimate(model, in, out);
                byModel.costBatch().increment(cost.batchUsd());
                byModel.costInteractive().increment(cost.interactiveUsd());
            }
        }
    }

    /** A model's meters, looked up once: they are counted per response. */
    private ByModel byModel(String model) {
        return byModel.computeIfAbsent(
                model,
                m -> new ByModel(
                        registry.counter("genai.tokens", "model", m, "direction", "in"),
                        registry.counter("genai.tokens", "model", m, "direction", "out"),
                        Counter.builder("genai.cost.batch")
                                .baseUnit("usd")
                                .tag("model", m)
                                .register(registry),
                        Counter.builder("genai.cost.interactive")
                                .baseUnit("usd")
                                .tag("model", m)
                                .register(registry)));
    }

    private ByStatus byStatus(String model, ResponseStatus status) {
        return byStatus.computeIfAbsent(
                model + "\u0000" + status,
                k -> new ByStatus(
                        registry.counter("genai.responses", "model", model, "status", status.name()),
                        Timer.builder("genai.request.latency")
                                .tags("model", model, "status", status.name())
                                .description("from the request record's timestamp to its response's publication")
                                .serviceLevelObjectives(LATENCY_BUCKETS)
                                .register(registry)));
    }

    void response(ResponseStatus status, Usage usage) {
        responses.get(status).increment();
        if (usage != null) {
            promptTokens.add(usage.getPromptTokens());
            candidatesTokens.add(usage.getCandidatesTokens());
            totalTokens.add(usage.getTotalTokens());
        }
    }

    /** One series of genai_jobs_in_flight: jobs of one model and input mode in one state. */
    record InFlight(String model, String mode, String state) {}

    /**
     * The jobs this poller follows now (its partitions' jobs not yet published), counted by model, input mode and
     * state; called by the poller thread at each turn of its loop. A combination seen once keeps its gauge, at 0
     * while no job has it (labels are bounded: accepted models, two modes, the job states).
     */
    void jobsInFlight(Map<InFlight, Long> counts) {
        jobsInFlight = Map.copyOf(counts);
        for (InFlight key : counts.keySet()) {
            if (!inFlightGauges.contains(key) && inFlightGauges.add(key)) {
                Gauge.builder("genai.jobs.in.flight", this, c -> c.jobsInFlight.getOrDefault(key, 0L))
                        .tags("model", key.model(), "mode", key.mode(), "state", key.state())
                        .description("jobs this poller follows, not yet published")
                        .register(registry);
            }
        }
    }

    /** The oldest job this poller follows now, by submission time; empty when it follows none. */
    void oldestOpenJob(Optional<Instant> submittedAt) {
        oldestOpenJob = submittedAt.orElse(null);
    }

    private double oldestOpenJobAgeSeconds() {
        Instant oldest = oldestOpenJob;
        return oldest == null
                ? 0
                : Math.max(0, Duration.between(oldest, Instant.now()).toMillis() / 1000d);
    }

    /** Bridges the consumer's metrics; close the result with the consumer. */
    KafkaClientMetrics meter(Consumer<?, ?> consumer) {
        return telemetry.bind(consumer);
    }

    /** The poller could not reach the API as configured (every call 404s, listing fails): it stalls meanwhile. */
    void apiUnreachable(String why) {
        apiUnreachable.set(why);
    }

    /** The API answered the poller. */
    void apiAnswered() {
        apiUnreachable.set(null);
    }

    /** Why the poller cannot reach the API as configured, while it cannot. */
    public Optional<String> apiUnreachable() {
        return Optional.ofNullable(apiUnreachable.get());
    }

    /**
     * Accepted requests that will get no response, by why: {@code vanished} (their items left genai.batches before
     * they were published) or {@code key_too_large} (even the smallest answer to their key passes the record limit).
     * A loss of the exactly-once promise that only an operator can act on: it has an alert (docs/OPERATIONS.md).
     */
    void unanswerable(String reason, long n) {
        registry.counter("genai.requests.unanswerable", "reason", reason).increment(n);
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

    private static Duration[] durations(String... iso) {
        return java.util.Arrays.stream(iso).map(Duration::parse).toArray(Duration[]::new);
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
