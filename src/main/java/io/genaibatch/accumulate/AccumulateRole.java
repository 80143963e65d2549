package io.genaibatch.accumulate;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.GroupMembership;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.Topics;
import io.genaibatch.run.OpenBatches;
import io.genaibatch.run.Readiness;
import io.genaibatch.run.Role;
import io.genaibatch.run.RoleLifecycle;
import io.genaibatch.run.Telemetry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The accumulate role: runs the accumulator's Kafka Streams application until closed. */
public final class AccumulateRole implements Role, OpenBatches.Source {
    private static final Logger log = LoggerFactory.getLogger(AccumulateRole.class);

    private final GenAiBatchConfig config;
    private final AccumulatorMetrics metrics;
    private final Map<String, Object> streamsOverrides;
    private final Telemetry telemetry;
    private final OpenBatchGauges openBatches;
    private final CompletableFuture<Void> running = new CompletableFuture<>();
    private final RoleLifecycle lifecycle;
    private volatile KafkaStreams streams;
    private volatile java.time.Duration maxHeartbeatSilence;
    private KafkaStreamsMetrics streamsMeters;

    public AccumulateRole(GenAiBatchConfig config) {
        this(config, new AccumulatorCounters(), Map.of());
    }

    /** Counting into the process's telemetry, its Streams metrics bridged. */
    public AccumulateRole(GenAiBatchConfig config, Telemetry telemetry) {
        this(config, telemetry, new OpenBatchGauges(telemetry.registry()));
    }

    private AccumulateRole(GenAiBatchConfig config, Telemetry telemetry, OpenBatchGauges openBatches) {
        this(
                config,
                new AccumulatorMeters(
                        telemetry.registry(), config.get(io.genaibatch.config.ConfigKeys.MODELS_ALLOWED), openBatches),
                Map.of(),
                telemetry,
                openBatches);
    }

    /** @param streamsOverrides Kafka Streams settings applied last (tests, benchmark) */
    public AccumulateRole(GenAiBatchConfig config, AccumulatorMetrics metrics, Map<String, Object> streamsOverrides) {
        this(config, metrics, streamsOverrides, Telemetry.none());
    }

    private AccumulateRole(
            GenAiBatchConfig config,
            AccumulatorMetrics metrics,
            Map<String, Object> streamsOverrides,
            Telemetry telemetry) {
        this(config, metrics, streamsOverrides, telemetry, new OpenBatchGauges(telemetry.registry()));
    }

    private AccumulateRole(
            GenAiBatchConfig config,
            AccumulatorMetrics metrics,
            Map<String, Object> streamsOverrides,
            Telemetry telemetry,
            OpenBatchGauges openBatches) {
        this.config = config;
        this.metrics = metrics;
        this.streamsOverrides = Map.copyOf(streamsOverrides);
        this.telemetry = telemetry;
        this.openBatches = openBatches;
        Duration closeTimeout = config.get(io.genaibatch.config.ConfigKeys.ACCUMULATE_CLOSE_TIMEOUT);
        this.lifecycle = new RoleLifecycle(
                name(),
                log,
                closeTimeout,
                io.genaibatch.config.ConfigKeys.ACCUMULATE_CLOSE_TIMEOUT.name(),
                new RoleLifecycle.Steps() {
                    @Override
                    public String start() {
                        return startStreams();
                    }

                    @Override
                    public void stop(Duration within) {
                        // LEAVE_GROUP: without it the next start waits out the session timeout (44 s measured) before
                        // it gets tasks.
                        if (streams.close(
                                CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                                        .withTimeout(within))) {
                            // Closed: the state listener may not have heard NOT_RUNNING yet.
                            lifecycle.ended(null);
                        }
                    }

                    @Override
                    public void release() {
                        if (streams != null) {
                            // Closed already, but for an application that failed on its own (ERROR), whose threads
                            // and state directory lock are let go in the background.
                            streams.close(Duration.ZERO);
                        }
                        if (streamsMeters != null) {
                            streamsMeters.close();
                        }
                    }
                });
    }

    @Override
    public String name() {
        return "accumulate";
    }

    /** Checks the topics, then starts the Kafka Streams application, whose threads are its own; once only. */
    @Override
    public void start() {
        lifecycle.start();
    }

    private String startStreams() {
        java.util.Properties props = AccumulatorTopology.streamsConfig(config, metrics, streamsOverrides);
        RecordLimits limits = requireTopicsAndLearnLimits(props);
        OversizedRequests oversized = new OversizedRequests();
        AccumulatorTopology.shareSizeGuards(props, limits, oversized);
        // Before streams: readiness reads both from another thread once streams is set.
        maxHeartbeatSilence = GroupMembership.maxSilence(consumerProperties(props));
        streams = new KafkaStreams(AccumulatorTopology.build(config, metrics, limits, oversized), props);
        streamsMeters = telemetry.bind(streams);
        openBatches.attach(streams);
        // A thread that dies on an unexpected error is replaced; the task resumes from its last commit (EOS).
        streams.setUncaughtExceptionHandler(e -> {
            log.error("Accumulator stream thread failed; replacing it, it resumes from the last commit", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((newState, oldState) -> {
            log.info("Accumulator {} -> {}", oldState, newState);
            if (newState == KafkaStreams.State.RUNNING) {
                running.complete(null);
                // Open batches restored from the changelog get their gauges even if no request comes for them; on a
                // stream thread, so a failure is logged and ignored.
                AccumulateProcessor.afterEffects(openBatches::watchStored);
            }
            if (newState == KafkaStreams.State.ERROR) {
                lifecycle.ended(new IllegalStateException("the accumulator's Kafka Streams application failed"));
            } else if (newState == KafkaStreams.State.NOT_RUNNING) {
                // Asked to (closed) or on its own: the lifecycle knows which.
                lifecycle.ended(null);
            }
        });
        streams.start();
        return config.get(io.genaibatch.config.ConfigKeys.TOPIC_REQUESTS) + " -> "
                + config.get(io.genaibatch.config.ConfigKeys.TOPIC_BATCHES);
    }

    /** Waits until the Streams application has its tasks and runs; for tests and the benchmark. */
    public void awaitRunning(Duration timeout) throws Exception {
        running.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** This instance's open batches per model (its accumulate tasks' groups); read at most once a second. */
    @Override
    public OpenBatches openBatches() {
        return openBatches.read();
    }

    @Override
    public CompletionStage<Void> stopped() {
        return lifecycle.stopped();
    }

    /** RUNNING, with every stream thread's consumer in the group and heartbeating. */
    @Override
    public Readiness readiness() {
        return lifecycle.readiness(this::runningReadiness);
    }

    private Readiness runningReadiness() {
        KafkaStreams s = streams;
        KafkaStreams.State state = s.state();
        if (state != KafkaStreams.State.RUNNING) {
            return Readiness.notReady("Kafka Streams is " + state + ", not RUNNING");
        }
        return GroupMembership.problem(s.metrics(), maxHeartbeatSilence)
                .map(Readiness::notReady)
                .orElse(Readiness.READY);
    }

    /**
     * Closes the Kafka Streams application, leaving its group, within {@code accumulate.close-timeout}
     * (docs/OPERATIONS.md, "Role lifecycle"). Idempotent, from any thread.
     */
    @Override
    public void close() {
        lifecycle.close();
    }

    /** The Streams settings of its main consumer: the common ones, then the main-consumer-prefixed ones on top. */
    private static Map<String, Object> consumerProperties(java.util.Properties streamsConfig) {
        String prefix = org.apache.kafka.streams.StreamsConfig.MAIN_CONSUMER_PREFIX;
        Map<String, Object> out = new java.util.HashMap<>();
        streamsConfig.forEach((k, v) -> out.putIfAbsent(
                k.toString().startsWith(prefix) ? k.toString().substring(prefix.length()) : k.toString(), v));
        streamsConfig.forEach((k, v) -> {
            if (k.toString().startsWith(prefix)) {
                out.put(k.toString().substring(prefix.length()), v);
            }
        });
        return out;
    }

    /**
     * Fails with the fix when a topic is missing, instead of a Streams thread dying on MissingSourceTopicException;
     * then learns the record limits of the topics written (one Admin client for both).
     */
    private RecordLimits requireTopicsAndLearnLimits(java.util.Properties streamsConfig) {
        Topics topics = Topics.from(config);
        List<String> needed =
                List.of(topics.requests(), topics.batches(), topics.responses(), topics.windowConfig(), topics.dlq());
        try (Admin admin = new KafkaClients(config).admin()) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<String> missing =
                    needed.stream().filter(t -> !existing.contains(t)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalStateException("topics " + missing + " do not exist: run `genai-batch topics create` "
                        + "with the same configuration first");
            }
            return RecordLimits.learn(admin, topics, AccumulatorTopology.repartitionTopic(config), streamsConfig);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the topics", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(
                    "cannot list the topics at " + config.get(io.genaibatch.config.ConfigKeys.BOOTSTRAP_SERVERS) + ": "
                            + e.getMessage(),
                    e);
        }
    }
}
