package io.genaibatch.poll;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.kafka.GroupMembership;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.Topics;
import io.genaibatch.ops.Prices;
import io.genaibatch.run.Readiness;
import io.genaibatch.run.Role;
import io.genaibatch.run.RoleLifecycle;
import io.genaibatch.run.Telemetry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll role: watches the batch jobs recorded in genai.jobs until the API finishes them, then publishes one
 * terminal response per request to genai.responses, exactly once across crashes. docs/POLLER.md tells how.
 *
 * <pre>{@code
 * try (BatchApi api = BatchApi.open(GeminiSettings.from(config, System.getenv()));
 *      Poller poller = new Poller(config, api)) {
 *     poller.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Several pollers with the same {@code poll.group-id} share the jobs by genai.jobs partition. The poller does
 * not close the {@link BatchApi}: its opener does.
 */
public final class Poller implements Role {
    private static final Logger log = LoggerFactory.getLogger(Poller.class);

    private final PollerSettings settings;
    private final PollLoop loop;
    private final PollerCounters counters;
    private final Telemetry telemetry;
    private final BatchApi api;
    private final java.time.Duration maxHeartbeatSilence;
    private final Topics topics;
    private final RoleLifecycle lifecycle;

    /**
     * Reads and checks the poll.* keys (a bad value fails here, not later); starts nothing.
     *
     * @param api the Gemini client; the poller uses it from its own thread and does not close it
     */
    public Poller(GenAiBatchConfig config, BatchApi api) {
        this(config, api, Clock.systemUTC(), PollerHooks.NONE);
    }

    /** Counting into the process's telemetry, with the cost at the prices of {@code cost.prices-file}. */
    public Poller(GenAiBatchConfig config, BatchApi api, Telemetry telemetry) {
        this(config, api, Clock.systemUTC(), PollerHooks.NONE, telemetry, Prices.from(config));
    }

    Poller(GenAiBatchConfig config, BatchApi api, Clock clock, PollerHooks hooks) {
        this(config, api, clock, hooks, Telemetry.none(), null);
    }

    private Poller(
            GenAiBatchConfig config, BatchApi api, Clock clock, PollerHooks hooks, Telemetry telemetry, Prices prices) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(api, "api");
        this.telemetry = telemetry;
        this.api = api;
        this.counters = new PollerCounters(telemetry, prices);
        this.settings = PollerSettings.from(config);
        KafkaClients clients = new KafkaClients(config);
        this.maxHeartbeatSilence = GroupMembership.maxSilence(clients.properties(java.util.Map.of()));
        this.topics = Topics.from(config);
        this.loop = new PollLoop(
                clients,
                settings,
                api,
                topics,
                clients.valueFormat(),
                JobPolicy.named(settings.policy(), settings.retries()),
                counters,
                hooks,
                clock);
        this.lifecycle = new RoleLifecycle(
                name(), log, settings.closeTimeout(), ConfigKeys.POLL_CLOSE_TIMEOUT.name(), new RoleLifecycle.Steps() {
                    @Override
                    public String start() {
                        lifecycle.runOnThread("", loop::run);
                        return "group " + settings.groupId() + ", jobs from " + topics.jobs() + ", responses to "
                                + topics.responses() + ", cache "
                                + settings.cacheDir().toAbsolutePath().normalize();
                    }

                    @Override
                    public void stop(Duration within) {
                        loop.stop();
                    }
                });
    }

    /**
     * The producer settings the poller tunes (poll.producer-*), less those {@code kafka.properties.*} sets, for a
     * producer that must behave as the poller's does (the benchmarks' Kafka copy).
     */
    public static Map<String, Object> producerTuning(GenAiBatchConfig config) {
        return PollerClients.producerTuning(new KafkaClients(config), PollerSettings.from(config));
    }

    /** Starts the poller thread, {@code genai-batch-poll}, which opens the Kafka clients; once only. */
    @Override
    public void start() {
        lifecycle.start();
    }

    @Override
    public String name() {
        return "poll";
    }

    @Override
    public CompletionStage<Void> stopped() {
        return lifecycle.stopped();
    }

    /** What the poller counted so far. */
    public PollerCounters counters() {
        return counters;
    }

    /**
     * In its group (an assignment of no partitions counts: more pollers than partitions), the API answering with its
     * circuit closed, and
     * not stalled on an API that answers every job NOT_FOUND or with a 404 that is not its own.
     */
    @Override
    public Readiness readiness() {
        return lifecycle.readiness(this::runningReadiness);
    }

    private Readiness runningReadiness() {
        Readiness group = GroupMembership.problem(loop.consumerMetrics(), maxHeartbeatSilence)
                .map(Readiness::notReady)
                .orElse(Readiness.READY);
        return group.and(counters.apiUnreachable().map(Readiness::notReady).orElse(Readiness.READY))
                .and(telemetry.apiReadiness(api));
    }

    /** Whether the poller runs: started, and neither stopping nor stopped. */
    public boolean isRunning() {
        return lifecycle.isRunning();
    }

    /** Waits for the poller to stop (after {@link #close()}, or on its own after a failure). */
    boolean awaitStopped(java.time.Duration timeout) {
        return lifecycle.awaitStopped(timeout);
    }

    /** Why the poller stopped on its own, if it did. */
    public Optional<Throwable> failure() {
        return lifecycle.failure();
    }

    /**
     * Stops the poller: the current transaction is committed or aborted (never half-applied), the partitions are
     * given back to the group, clients closed. Waits up to {@code poll.close-timeout}, then interrupts the thread
     * (a Gemini call waiting out a Retry-After, a long download) and waits a little more (docs/OPERATIONS.md, "Role
     * lifecycle"). Idempotent, from any thread.
     */
    @Override
    public void close() {
        lifecycle.close();
    }
}
