package io.genaibatch.poll;

import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka clients of one poller, made when its thread starts and closed when it ends: the genai.jobs consumer
 * (the group member that owns partitions), the genai.batches reader (no group), an Admin, and a maker of the
 * transactional producer of each owned genai.jobs partition. Their properties are decided here alone: the parts of
 * the poller are given clients, not configuration, so a test can hand them its own.
 *
 * @param producers       makes the producer of a genai.jobs partition; each is closed by its user
 * @param maxRequestBytes the producers' max.request.size
 */
record PollerClients(
        Consumer<byte[], byte[]> jobs,
        Consumer<byte[], byte[]> batches,
        Admin admin,
        IntFunction<Producer<byte[], byte[]>> producers,
        int maxRequestBytes)
        implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PollerClients.class);

    /** Makes the clients of a poller; the producers through {@link PollerHooks#producer} (a test seam). */
    static PollerClients open(KafkaClients clients, PollerSettings settings, Topics topics, PollerHooks hooks) {
        Object configured = clients.properties(Map.of()).get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        int maxRequestBytes =
                configured == null ? Responses.DEFAULT_MAX_RECORD_BYTES : Integer.parseInt(configured.toString());
        KafkaConsumer<byte[], byte[]> jobs = new KafkaConsumer<>(
                jobsConsumerProperties(clients, settings), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaConsumer<byte[], byte[]> batches = null;
        try {
            batches = new KafkaConsumer<>(
                    clients.consumer(ItemLoader.consumerProperties()),
                    new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            return new PollerClients(
                    jobs,
                    batches,
                    clients.admin(),
                    partition -> hooks.producer(producerProperties(clients, settings, topics, partition)),
                    maxRequestBytes);
        } catch (RuntimeException e) {
            if (batches != null) {
                batches.close(Duration.ZERO);
            }
            jobs.close(Duration.ZERO);
            throw e;
        }
    }

    /** The transactional producer of genai.jobs partition {@code partition}, not yet initialised. */
    Producer<byte[], byte[]> producer(int partition) {
        return producers.apply(partition);
    }

    /**
     * The largest record genai.responses takes from this poller: the producer's max.request.size and the topic's
     * max.message.bytes, whichever is smaller (the topic's is read once at start; when it cannot be read, the
     * producer's alone).
     */
    int maxResponseRecordBytes(TopicAdmin topicAdmin, String responsesTopic) {
        int limit = maxRequestBytes;
        try {
            Optional<String> topicMax = topicAdmin.config(
                    responsesTopic,
                    org.apache.kafka.common.config.TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                    Duration.ofSeconds(10));
            if (topicMax.isPresent()) {
                limit = Math.min(limit, Integer.parseInt(topicMax.get()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.info(
                    "Could not read max.message.bytes of {} ({}); responses are held to max.request.size {}",
                    responsesTopic,
                    e.toString(),
                    limit);
        }
        return limit;
    }

    /**
     * Closes the readers, then the Admin. Closing the jobs consumer revokes its partitions (the rebalance callback
     * runs); the producers are their users' to close.
     */
    @Override
    public void close() {
        try {
            batches.close();
        } finally {
            try {
                jobs.close();
            } finally {
                admin.close(Duration.ofSeconds(5));
            }
        }
    }

    static Map<String, Object> jobsConsumerProperties(KafkaClients clients, PollerSettings settings) {
        Map<String, Object> tunable = new HashMap<>();
        // A round of work (an API call with its retries; not a download, see DownloadThread) can outlast the
        // default 5 minutes between polls; the work polls in between where it can, this is the bound where it
        // cannot (poll.max-poll-interval). kafka.properties.max.poll.interval.ms wins when set.
        tunable.put(
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                Math.toIntExact(settings.maxPollInterval().toMillis()));
        tunable.keySet().removeAll(clients.properties(Map.of()).keySet());
        Map<String, Object> props = new HashMap<>(tunable);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Cooperative: a rebalance takes away only the partitions that move, not every job in flight.
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        return clients.consumer(props);
    }

    /**
     * The tuned settings of the poller's producers (poll.producer-*), without those {@code kafka.properties.*} sets:
     * these win. Also what the benchmarks' Kafka copy produces with, so that it measures the poller's settings.
     */
    static Map<String, Object> producerTuning(KafkaClients clients, PollerSettings settings) {
        Map<String, Object> tunable = new HashMap<>();
        tunable.put(ProducerConfig.BATCH_SIZE_CONFIG, settings.producerBatchSize());
        tunable.put(ProducerConfig.LINGER_MS_CONFIG, settings.producerLinger().toMillis());
        tunable.keySet().removeAll(clients.properties(Map.of()).keySet());
        return tunable;
    }

    static Map<String, Object> producerProperties(
            KafkaClients clients, PollerSettings settings, Topics topics, int partition) {
        Map<String, Object> props = new HashMap<>(producerTuning(clients, settings));
        props.put(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(settings.groupId(), topics.jobs(), partition));
        return clients.producer(props);
    }

    /** The transactional.id of the producer of genai.jobs partition {@code partition}: one per partition and group. */
    static String transactionalId(String groupId, String jobsTopic, int partition) {
        return groupId + "-" + jobsTopic + "-" + partition;
    }
}
