package io.genaibatch.accumulate;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.GroupMembership;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.Topics;
import io.genaibatch.run.Readiness;
import io.genaibatch.run.Role;
import io.genaibatch.run.Telemetry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The accumulate role: runs the accumulator's Kafka Streams application until closed. */
public final class AccumulateRole implements Role {
    private static final Logger log = LoggerFactory.getLogger(AccumulateRole.class);

    private final GenAiBatchConfig config;
    private final AccumulatorMetrics metrics;
    private final Map<String, Object> streamsOverrides;
    private final Telemetry telemetry;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final CompletableFuture<Void> running = new CompletableFuture<>();
    private volatile KafkaStreams streams;
    private volatile java.time.Duration maxHeartbeatSilence;
    private KafkaStreamsMetrics streamsMeters;
    private volatile boolean closing;

    public AccumulateRole(GenAiBatchConfig config) {
        this(config, new AccumulatorCounters(), Map.of());
    }

    /** Counting into the process's telemetry, its Streams metrics bridged. */
    public AccumulateRole(GenAiBatchConfig config, Telemetry telemetry) {
        this(config, new AccumulatorMeters(telemetry.registry(), config.get(io.genaibatch.config.ConfigKeys.MODELS_ALLOWED)), Map.of(), telemetry);
    }

    /** @param streamsOverrides Kafka Streams settings applied last (tests, benchmark) */
    public AccumulateRole(GenAiBatchConfig config, AccumulatorMetrics metrics, Map<String, Object> streamsOverrides) {
        this(config, metrics, streamsOverrides, Telemetry.none());
    }

    private AccumulateRole(GenAiBatchConfig config, AccumulatorMetrics metrics, Map<String, Object> streamsOverrides,
                           Telemetry telemetry) {
        this.config = config;
        this.metrics = metrics;
        this.streamsOverrides = Map.copyOf(streamsOverrides);
        this.telemetry = telemetry;
    }

    @Override
    public String name() {
        return "accumulate";
    }

    @Override
    public synchronized void start() {
        if (streams != null) {
            return;
        }
        java.util.Properties props = AccumulatorTopology.streamsConfig(config, metrics, streamsOverrides);
        RecordLimits limits = requireTopicsAndLearnLimits(props);
        OversizedRequests oversized = new OversizedRequests();
        AccumulatorTopology.shareSizeGuards(props, limits, oversized);
        // Before streams: readiness reads both from another thread once streams is set.
        maxHeartbeatSilence = GroupMembership.maxSilence(consumerProperties(props));
        streams = new KafkaStreams(AccumulatorTopology.build(config, metrics, limits, oversized), props);
        streamsMeters = telemetry.bind(streams);
        // A thread that dies on an unexpected error is replaced; the task resumes from its last commit (EOS).
        streams.setUncaughtExceptionHandler(e -> {
            log.error("Accumulator stream thread failed; replacing it, it resumes from the last commit", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((newState, oldState) -> {
            log.info("Accumulator {} -> {}", oldState, newState);
            if (newState == KafkaStreams.State.RUNNING) {
                running.complete(null);
            }
            if (newState == KafkaStreams.State.ERROR) {
                stopped.completeExceptionally(new IllegalStateException("the accumulator's Kafka Streams application failed"));
            } else if (newState == KafkaStreams.State.NOT_RUNNING && !closing) {
                stopped.completeExceptionally(new IllegalStateException("the accumulator stopped on its own"));
            }
        });
        streams.start();
        log.info("Accumulator started: {} -> {}", config.get(io.genaibatch.config.ConfigKeys.TOPIC_REQUESTS),
                config.get(io.genaibatch.config.ConfigKeys.TOPIC_BATCHES));
    }

    /** Waits until the Streams application has its tasks and runs; for tests and the benchmark. */
    public void awaitRunning(Duration timeout) throws Exception {
        running.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletionStage<Void> stopped() {
        return stopped;
    }

    /** RUNNING, with every stream thread's consumer in the group and heartbeating. */
    @Override
    public Readiness readiness() {
        KafkaStreams s = streams;
        if (s == null) {
            return Readiness.notReady("not started");
        }
        KafkaStreams.State state = s.state();
        if (state != KafkaStreams.State.RUNNING) {
            return Readiness.notReady("Kafka Streams is " + state + ", not RUNNING");
        }
        return GroupMembership.problem(s.metrics(), maxHeartbeatSilence).map(Readiness::notReady)
                .orElse(Readiness.READY);
    }

    @Override
    public synchronized void close() {
        if (streams == null || closing) {
            return;
        }
        closing = true;
        // LEAVE_GROUP: without it the next start waits out the session timeout (44 s measured) before it gets tasks.
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(config.get(io.genaibatch.config.ConfigKeys.ACCUMULATE_CLOSE_TIMEOUT)));
        streamsMeters.close();
        log.info("Accumulator closed");
        stopped.complete(null);
    }

    /** The Streams settings of its main consumer: the common ones, then the main-consumer-prefixed ones on top. */
    private static Map<String, Object> consumerProperties(java.util.Properties streamsConfig) {
        String prefix = org.apache.kafka.streams.StreamsConfig.MAIN_CONSUMER_PREFIX;
        Map<String, Object> out = new java.util.HashMap<>();
        streamsConfig.forEach((k, v) -> out.putIfAbsent(k.toString().startsWith(prefix)
                ? k.toString().substring(prefix.length()) : k.toString(), v));
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
        List<String> needed = List.of(topics.requests(), topics.batches(), topics.responses(), topics.windowConfig(), topics.dlq());
        try (Admin admin = new KafkaClients(config).admin()) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<String> missing = needed.stream().filter(t -> !existing.contains(t)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalStateException("topics " + missing + " do not exist: run `genai-batch topics create` "
                        + "with the same configuration first");
            }
            return RecordLimits.learn(admin, topics, AccumulatorTopology.repartitionTopic(config), streamsConfig);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the topics", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot list the topics at " + config.get(io.genaibatch.config.ConfigKeys.BOOTSTRAP_SERVERS)
                    + ": " + e.getMessage(), e);
        }
    }
}
