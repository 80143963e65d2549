package io.genaibatch.accumulate;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.FixedKafkaSettings;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordSerdes;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The accumulator's Kafka Streams topology and configuration (docs/ACCUMULATOR.md has the diagram):
 * <pre>
 * genai.requests ─► validate ─► repartition by group (model|kind|shard) ─► accumulate ─► genai.batches
 *                      │ refused: RejectionHandler ─► genai.responses (REJECTED) + genai.requests.dlq
 *                      │ disabled model: pointer in store held-requests, released from the punctuation
 * genai.window-config ─► global store window-policies (read by validate and accumulate)
 * </pre>
 */
public final class AccumulatorTopology {
    public static final String WINDOW_POLICY_STORE = "window-policies";
    static final String GROUP_STORE = "accumulate-groups";
    /**
     * Pointers to held requests (validate stage). Not the name of the older store that held whole items in the
     * accumulate stage ({@code accumulate-held}): its changelog holds another format.
     */
    static final String HELD_STORE = "held-requests";
    /** The repartition topic is {@code <application.id>-accumulate-by-group-repartition}. */
    static final String REPARTITION_NAME = "accumulate-by-group";

    private AccumulatorTopology() {}

    /**
     * @param limits the largest records Kafka takes ({@link RecordLimits#learn}); the same object as given to
     *     {@link #shareSizeGuards}
     */
    static Topology build(
            GenAiBatchConfig config, AccumulatorMetrics metrics, RecordLimits limits, OversizedRequests oversized) {
        Topics topics = Topics.from(config);
        Map<String, Object> clients = new KafkaClients(config).properties(Map.of());
        String clientId = config.get(ConfigKeys.ACCUMULATE_APPLICATION_ID) + "-held-reader-";
        return build(
                config,
                metrics,
                partition -> new KafkaHeldRecordReader(topics.requests(), clients, clientId + partition),
                HeldRequests.RELEASE_PER_PUNCTUATION,
                limits,
                oversized);
    }

    /** @param readers how held requests are read back (tests serve the records they piped) */
    static Topology build(
            GenAiBatchConfig config,
            AccumulatorMetrics metrics,
            HeldRecordReader.Factory readers,
            int releasePerPunctuation,
            RecordLimits limits,
            OversizedRequests oversized) {
        Topics topics = Topics.from(config);
        ValidateProcessor.HoldSettings hold = new ValidateProcessor.HoldSettings(
                topics.requests(), config.get(ConfigKeys.TOPIC_RETENTION), readers, releasePerPunctuation);
        ValueFormat format = formatOf(config);
        WindowPolicies policies = new WindowPolicies(config);
        AllowedModels allowed = new AllowedModels(config.get(ConfigKeys.MODELS_ALLOWED));
        StreamsBuilder builder = new StreamsBuilder();
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(
                                Stores.inMemoryKeyValueStore(WINDOW_POLICY_STORE),
                                Serdes.String(),
                                RecordSerdes.windowPolicy(ValueFormat.AVRO))
                        .withLoggingDisabled(),
                topics.windowConfig(),
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("window-config"),
                WindowConfigProcessor::new);
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(GROUP_STORE), Serdes.String(), GroupState.serde())
                .withCachingEnabled());
        // Persistent and changelogged: a pointer is durable in Kafka before the held request's offset is committed.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(HELD_STORE), Serdes.String(), HeldRequests.Pointer.serde()));
        builder.stream(
                        topics.requests(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("requests"))
                .process(
                        () -> new ValidateProcessor(
                                policies, metrics, hold, allowed, new RequestSizes(limits, oversized, format)),
                        Named.as("validate"),
                        HELD_STORE)
                .repartition(Repartitioned.with(Serdes.String(), PreparedItem.serde())
                        .withName(REPARTITION_NAME))
                .process(
                        () -> new AccumulateProcessor(policies, metrics, format, oversized),
                        Named.as("accumulate"),
                        GROUP_STORE)
                // Values are BatchRecord bytes already (BatchRecords), in the configured format.
                .to(
                        topics.batches(),
                        Produced.with(Serdes.String(), Serdes.ByteArray()).withName("batches"));
        return builder.build();
    }

    /**
     * Kafka Streams settings: tuned defaults, then {@code kafka.properties.*} (which may override the tuning), then
     * what correctness needs (exactly_once_v2, the handlers, the DLQ), then {@code overrides} (tests, benchmark).
     */
    public static Properties streamsConfig(
            GenAiBatchConfig config, AccumulatorMetrics metrics, Map<String, Object> overrides) {
        Topics topics = Topics.from(config);
        Map<String, Object> required = new HashMap<>();
        required.put(StreamsConfig.APPLICATION_ID_CONFIG, config.get(ConfigKeys.ACCUMULATE_APPLICATION_ID));
        required.putAll(FixedKafkaSettings.streams());
        required.put(StreamsConfig.STATE_DIR_CONFIG, config.get(ConfigKeys.ACCUMULATE_STATE_DIR));
        required.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.get(ConfigKeys.ACCUMULATE_THREADS));
        required.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, RejectionHandler.class);
        required.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, RejectionHandler.class);
        // Without one, a record Kafka refuses as too large fails the thread with a bare stack trace, and the replaced
        // thread writes it again: TooLargeRecordHandler turns that loop into one REJECTED answer.
        required.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, TooLargeRecordHandler.class);
        required.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, topics.dlq());
        // The default from Kafka 5.0; the window-config processor catches its own errors, so this only adds safety.
        required.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        required.put(RejectionHandler.CONFIG_REQUESTS_TOPIC, topics.requests());
        required.put(RejectionHandler.CONFIG_RESPONSES_TOPIC, topics.responses());
        required.put(RejectionHandler.CONFIG_VALUE_FORMAT, formatOf(config).name());
        required.put(RejectionHandler.CONFIG_METRICS, metrics);
        int replication = config.get(ConfigKeys.TOPIC_REPLICATION);
        if (replication > 0) {
            required.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replication);
        }
        Properties props = new Properties();
        // Tuning and the transaction timeout (see accumulate.transaction-timeout) first: kafka.properties.* may
        // override them.
        props.putAll(tuning(config));
        props.putAll(new KafkaClients(config).properties(required));
        props.putAll(overrides);
        return props;
    }

    /** {@code <application.id>-accumulate-by-group-repartition}: Kafka Streams' name for the repartition topic. */
    static String repartitionTopic(GenAiBatchConfig config) {
        return config.get(ConfigKeys.ACCUMULATE_APPLICATION_ID) + "-" + REPARTITION_NAME + "-repartition";
    }

    /**
     * Gives the handlers (built by Kafka Streams from the config) the same limits and notes as the processors: objects
     * in the config map, as {@link RejectionHandler#CONFIG_METRICS} is.
     */
    static void shareSizeGuards(Properties streamsConfig, RecordLimits limits, OversizedRequests oversized) {
        streamsConfig.put(TooLargeRecordHandler.CONFIG_LIMITS, limits);
        streamsConfig.put(TooLargeRecordHandler.CONFIG_OVERSIZED, oversized);
    }

    /**
     * The producer settings of the accumulate.producer-* and accumulate.transaction-timeout keys; the tuning is
     * measured in docs/BENCHMARKS.md (and docs/KAFKA-NOTES.md).
     */
    public static Map<String, Object> tuning(GenAiBatchConfig config) {
        return Map.of(
                StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG),
                Math.toIntExact(config.get(ConfigKeys.ACCUMULATE_PRODUCER_BATCH_SIZE)),
                StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG),
                config.get(ConfigKeys.ACCUMULATE_PRODUCER_LINGER).toMillis(),
                StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                Math.toIntExact(
                        config.get(ConfigKeys.ACCUMULATE_TRANSACTION_TIMEOUT).toMillis()));
    }

    static ValueFormat formatOf(GenAiBatchConfig config) {
        return ValueFormat.valueOf(config.get(ConfigKeys.VALUE_FORMAT).toUpperCase(Locale.ROOT));
    }
}
