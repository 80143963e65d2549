package io.genaibatch.submit;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.kafka.GroupMembership;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.run.Readiness;
import io.genaibatch.run.Role;
import io.genaibatch.run.RoleLifecycle;
import io.genaibatch.run.Telemetry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The submit role ({@code genai-batch run --roles submit}): sealed batches on genai.batches become Gemini batch
 * jobs, each recorded in genai.jobs, exactly one job per batch across crashes. docs/SUBMITTER.md explains how.
 *
 * <pre>{@code
 * try (BatchApi api = BatchApi.open(GeminiSettings.from(config, System.getenv()));
 *      Submitter submitter = new Submitter(config, api)) {
 *     submitter.start();
 *     submitter.stopped().toCompletableFuture().join();   // completes exceptionally on a fatal error
 * }
 * }</pre>
 *
 * The caller owns the {@link BatchApi} (it may be shared with other roles) and closes it after this role.
 */
public final class Submitter implements Role {
    private static final Logger log = LoggerFactory.getLogger(Submitter.class);

    private final GenAiBatchConfig config;
    private final SubmitSettings settings;
    private final BatchApi api;
    private final SubmitHooks hooks;
    private final Clock clock;
    private final Telemetry telemetry;
    private final SubmitCounters counters;
    /** The bridges of the Kafka clients' metrics, closed with the role. */
    private final List<KafkaClientMetrics> clientMeters = new ArrayList<>();
    /** The consumer in the submitters' group, for its metrics only (not thread-safe otherwise). */
    private volatile KafkaConsumer<String, byte[]> groupConsumer;

    private volatile Duration maxHeartbeatSilence;
    private SubmitLoop loop;
    /** Held while this submitter lives when its instance id is the default one; null with submit.instance-id. */
    private InstanceSlot slot;

    private final RoleLifecycle lifecycle;

    /** Reads and checks the {@code submit.*} settings; connects nothing until {@link #start()}. */
    public Submitter(GenAiBatchConfig config, BatchApi api) {
        this(config, api, Telemetry.none());
    }

    /** Counting into the process's telemetry, the metrics of its Kafka clients bridged. */
    public Submitter(GenAiBatchConfig config, BatchApi api, Telemetry telemetry) {
        this(config, api, SubmitHooks.NONE, Clock.systemUTC(), telemetry);
    }

    Submitter(GenAiBatchConfig config, BatchApi api, SubmitHooks hooks, Clock clock) {
        this(config, api, hooks, clock, Telemetry.none());
    }

    private Submitter(GenAiBatchConfig config, BatchApi api, SubmitHooks hooks, Clock clock, Telemetry telemetry) {
        this.telemetry = Objects.requireNonNull(telemetry, "telemetry");
        this.counters = new SubmitCounters(telemetry.registry());
        this.config = Objects.requireNonNull(config, "config");
        this.api = Objects.requireNonNull(api, "api");
        this.hooks = Objects.requireNonNull(hooks, "hooks");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = SubmitSettings.from(config, () -> {
            slot = InstanceSlot.claim(
                    Path.of(config.get(ConfigKeys.SUBMIT_SPOOL_DIR)), config.get(ConfigKeys.SUBMIT_GROUP_ID));
            return slot.id();
        });
        // Past submit.shutdown-timeout the loop still commits, leaves its group and closes its clients (up to 20 s).
        this.lifecycle = new RoleLifecycle(
                name(),
                log,
                settings.shutdownTimeout().plusSeconds(20),
                ConfigKeys.SUBMIT_SHUTDOWN_TIMEOUT.name() + " + 20s",
                new RoleLifecycle.Steps() {
                    @Override
                    public String start() {
                        return startLoop();
                    }

                    @Override
                    public void stop(Duration within) {
                        loop.stop();
                    }

                    @Override
                    public void release() {
                        clientMeters.forEach(KafkaClientMetrics::close);
                        if (slot != null) {
                            slot.close();
                        }
                    }
                });
    }

    /** The name used with {@code run --roles}. */
    @Override
    public String name() {
        return "submit";
    }

    /**
     * Creates the Kafka clients and starts the role's thread, {@code genai-batch-submit-<instance id>}; returns at
     * once. Once only.
     */
    @Override
    public void start() {
        lifecycle.start();
    }

    private synchronized String startLoop() {
        KafkaClients clients = new KafkaClients(config);
        String clientId = "genai-batch-submit-" + settings.instanceId();
        Map<String, Object> groupProperties = clients.consumer(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG,
                settings.groupId(),
                ConsumerConfig.CLIENT_ID_CONFIG,
                clientId,
                // Not earliest: a committed offset that fell off the log (retention) is a loss to say, not to skip;
                // SubmitLoop starts a new group from the beginning itself.
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "none",
                // Only the partitions that move are revoked: the others keep submitting through a rebalance.
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                CooperativeStickyAssignor.class.getName()));
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(groupProperties, new StringDeserializer(), new ByteArrayDeserializer());
        KafkaConsumer<String, byte[]> jobsConsumer = null;
        KafkaConsumer<String, byte[]> jobsEnds = null;
        KafkaProducer<String, byte[]> producer = null;
        try {
            jobsConsumer = jobsConsumer(clients, clientId);
            jobsEnds = jobsEnds(clients, clientId);
            // A client.id of its own: bridged into /metrics beside the group consumer, a shared one made their
            // app-info gauges collide (a Micrometer WARN at each start, the producer's refused).
            producer = new KafkaProducer<>(
                    clients.producer(Map.of(
                            ProducerConfig.CLIENT_ID_CONFIG,
                            clientId + "-producer",
                            ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                            settings.transactionalId())),
                    new StringSerializer(),
                    new ByteArraySerializer());
        } catch (RuntimeException e) {
            consumer.close();
            if (jobsConsumer != null) {
                jobsConsumer.close();
            }
            if (jobsEnds != null) {
                jobsEnds.close();
            }
            throw e;
        }
        // In this order: readiness reads both from another thread once the consumer is set.
        maxHeartbeatSilence = GroupMembership.maxSilence(groupProperties);
        groupConsumer = consumer;
        clientMeters.add(telemetry.bind(consumer));
        clientMeters.add(telemetry.bind(jobsConsumer));
        clientMeters.add(telemetry.bind(producer));
        AtomicInteger rangeReads = new AtomicInteger();
        // One consumer per read of a range child's items, without a group; reset=none so that a range deleted by
        // retention is noticed instead of skipped. A client.id each: reads run at once on several workers.
        Supplier<Consumer<String, byte[]>> rangeConsumers = () -> new KafkaConsumer<>(
                clients.consumer(Map.of(
                        ConsumerConfig.CLIENT_ID_CONFIG,
                        clientId + "-range-" + rangeReads.incrementAndGet(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "none")),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        loop = new SubmitLoop(
                settings, consumer, jobsConsumer, jobsEnds, producer, rangeConsumers, api, hooks, counters, clock);
        SubmitLoop started = loop;
        // The loop ends its own way (stopped(), failed on a fatal error); the role's end is the loop's.
        lifecycle.runOnThread(settings.instanceId(), () -> {
            started.run();
            started.stopped().join();
        });
        return "group " + settings.groupId() + ", transactional id " + settings.transactionalId() + ", spool "
                + settings.spoolDir().toAbsolutePath() + ", inline up to " + settings.inlineMaxBytes()
                + " bytes, at most " + settings.maxJobsInFlight() + " jobs in flight";
    }

    /** Reads genai.jobs at assignment ({@link KnownJobs}): read_committed, no group. */
    static KafkaConsumer<String, byte[]> jobsConsumer(KafkaClients clients, String clientId) {
        return new KafkaConsumer<>(
                clients.consumer(Map.of(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-jobs")),
                new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    /**
     * For the end of genai.jobs counting transactions still open: see KnownJobs. The one read_uncommitted consumer
     * of genai-batch: it only looks up end offsets and never reads a record.
     */
    static KafkaConsumer<String, byte[]> jobsEnds(KafkaClients clients, String clientId) {
        return new KafkaConsumer<>(
                clients.properties(Map.of(
                        ConsumerConfig.CLIENT_ID_CONFIG,
                        clientId + "-jobs-ends",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_uncommitted",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false)),
                new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    /**
     * Completes normally when the role stopped because it was closed, exceptionally when it stopped on its own
     * (a fatal error, e.g. its producer fenced): the process should then stop too, and a restart resumes safely.
     */
    @Override
    public CompletionStage<Void> stopped() {
        return lifecycle.stopped();
    }

    /** Partitions of genai.batches this instance owns now (0 before the first assignment and after close). */
    synchronized int ownedPartitions() {
        return loop == null ? 0 : loop.ownedPartitions();
    }

    public SubmitCounters counters() {
        return counters;
    }

    /**
     * In its group (an assignment of no partitions counts: more submitters than partitions), the API answering and
     * its circuit closed.
     */
    @Override
    public Readiness readiness() {
        return lifecycle.readiness(() -> GroupMembership.problem(groupConsumer.metrics(), maxHeartbeatSilence)
                .map(Readiness::notReady)
                .orElse(Readiness.READY)
                .and(telemetry.apiReadiness(api)));
    }

    /**
     * Stops in order: no new batch is taken on, uploads and retries are abandoned (their batches stay below the
     * committed offset), creates already sent are waited for up to {@code submit.shutdown-timeout} and recorded,
     * offsets are committed and the group is left. Idempotent, from any thread; bounded by the shutdown timeout and
     * 20 s (docs/OPERATIONS.md, "Role lifecycle").
     */
    @Override
    public void close() {
        lifecycle.close();
    }
}
