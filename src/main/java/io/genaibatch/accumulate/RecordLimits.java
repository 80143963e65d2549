package io.genaibatch.accumulate;

import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The largest record Kafka takes on each topic the accumulator writes: the smaller of the Streams producer's
 * {@code max.request.size} and the topic's {@code max.message.bytes}. A request near 1 MiB grows on its way (its
 * repartition record, its genai.batches item, its DLQ copy with error headers), and a record over a limit fails its
 * whole exactly-once transaction, every time it is retried: so sizes are checked against these before sending.
 *
 * <p>Learned once, when the accumulator starts (Admin describeConfigs). A limit lowered afterwards is caught by
 * {@link TooLargeRecordHandler} instead.
 */
record RecordLimits(Limit repartition, Limit batches, Limit responses, Limit dlq) {
    private static final Logger log = LoggerFactory.getLogger(RecordLimits.class);
    /** Kafka's default max.request.size, and about its default max.message.bytes (1048588). */
    static final int KAFKA_DEFAULT = 1_048_576;
    /**
     * Bytes a record takes beyond its key, value and headers in a batch of its own: the batch header (61), the record's
     * length, attributes, timestamp and offset deltas and varint lengths (at most 21 + 5), with room to spare.
     */
    static final int RECORD_OVERHEAD = 128;

    /** @param what the setting that sets it, for messages: "topic genai.batches max.message.bytes" */
    record Limit(int bytes, String topic, String what) {
        String describe() {
            return bytes + " bytes (" + what + ")";
        }
    }

    /** Kafka's defaults: what the accumulator assumes when it cannot ask (tests, a broker refusing describeConfigs). */
    static RecordLimits defaults(Topics topics, String repartitionTopic) {
        String producer = "the producer's max.request.size";
        return new RecordLimits(
                new Limit(KAFKA_DEFAULT, repartitionTopic, producer),
                new Limit(KAFKA_DEFAULT, topics.batches(), producer),
                new Limit(KAFKA_DEFAULT, topics.responses(), producer),
                new Limit(KAFKA_DEFAULT, topics.dlq(), producer));
    }

    private static Limit topicLimit(String topic, int bytes) {
        return new Limit(bytes, topic, "topic " + topic + " " + TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
    }

    /**
     * Asks the broker. The repartition topic may not exist yet (Kafka Streams creates it): then it gets the
     * broker's {@code message.max.bytes}, unless the Streams config sets {@code topic.max.message.bytes}.
     */
    static RecordLimits learn(Admin admin, Topics topics, String repartitionTopic, Properties streamsConfig) {
        Limit producer = producerLimit(streamsConfig);
        TopicAdmin topicAdmin = new TopicAdmin(admin);
        Optional<Integer> repartitionOverride =
                intValue(streamsConfig.get(StreamsConfig.topicPrefix(TopicConfig.MAX_MESSAGE_BYTES_CONFIG)));
        Limit repartition = topicMax(topicAdmin, repartitionTopic)
                .or(() -> repartitionOverride.map(v -> new Limit(
                        v,
                        repartitionTopic,
                        "topic." + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + " of the Streams config, for "
                                + repartitionTopic)))
                .or(() -> brokerMax(admin, repartitionTopic))
                .orElse(producer);
        RecordLimits limits = new RecordLimits(
                smaller(producer, repartition, repartitionTopic),
                smaller(producer, topicMax(topicAdmin, topics.batches()).orElse(producer), topics.batches()),
                smaller(producer, topicMax(topicAdmin, topics.responses()).orElse(producer), topics.responses()),
                smaller(producer, topicMax(topicAdmin, topics.dlq()).orElse(producer), topics.dlq()));
        log.info(
                "Record limits: {} {}, {} {}, {} {}, {} {}",
                repartitionTopic,
                limits.repartition().describe(),
                topics.batches(),
                limits.batches().describe(),
                topics.responses(),
                limits.responses().describe(),
                topics.dlq(),
                limits.dlq().describe());
        return limits;
    }

    private static Limit smaller(Limit producer, Limit topic, String topicName) {
        Limit chosen = topic.bytes() < producer.bytes() ? topic : producer;
        return new Limit(chosen.bytes(), topicName, chosen.what());
    }

    private static Limit producerLimit(Properties streamsConfig) {
        Object value = streamsConfig.get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
        if (value == null) {
            value = streamsConfig.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        }
        int bytes = intValue(value).orElse(KAFKA_DEFAULT);
        return new Limit(bytes, "", "the producer's " + ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    }

    private static Optional<Limit> topicMax(TopicAdmin admin, String topic) {
        try {
            return admin.config(topic, TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Duration.ofSeconds(10))
                    .flatMap(RecordLimits::intValue)
                    .map(v -> topicLimit(topic, v));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            // A missing topic (the repartition topic before the first start) or no DescribeConfigs permission.
            log.debug("Could not read {} of {}: {}", TopicConfig.MAX_MESSAGE_BYTES_CONFIG, topic, e.toString());
            return Optional.empty();
        }
    }

    private static Optional<Limit> brokerMax(Admin admin, String topic) {
        try {
            String node = admin.describeCluster()
                    .nodes()
                    .get(10, java.util.concurrent.TimeUnit.SECONDS)
                    .iterator()
                    .next()
                    .idString();
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, node);
            Map<ConfigResource, Config> configs = admin.describeConfigs(java.util.List.of(broker))
                    .all()
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            ConfigEntry entry = configs.get(broker).get("message.max.bytes");
            return Optional.ofNullable(entry)
                    .flatMap(e -> intValue(e.value()))
                    .map(v -> new Limit(
                            v,
                            topic,
                            "the broker's message.max.bytes, which " + topic + " gets when Kafka Streams creates it"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            log.debug("Could not read the broker's message.max.bytes: {}", e.toString());
            return Optional.empty();
        }
    }

    private static Optional<Integer> intValue(Object value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(value.toString().trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** An upper bound of the bytes Kafka counts for this record against both limits. */
    static long sizeOf(long keyBytes, long valueBytes, Headers headers) {
        long size = RECORD_OVERHEAD + keyBytes + valueBytes;
        if (headers != null) {
            for (Header h : headers) {
                size += 10
                        + h.key().getBytes(StandardCharsets.UTF_8).length
                        + (h.value() == null ? 0 : h.value().length);
            }
        }
        return size;
    }

    static long sizeOf(byte[] key, byte[] value, Headers headers) {
        return sizeOf(key == null ? 0 : key.length, value == null ? 0 : value.length, headers);
    }
}
