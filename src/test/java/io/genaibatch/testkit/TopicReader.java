package io.genaibatch.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic from its start the way the product does: read_committed, so records of an open or aborted
 * transaction are never seen and the end of a partition is its last stable offset.
 */
public final class TopicReader {
    /** How long a read waits beyond what it waited for: a duplicate would arrive right after. */
    private static final Duration DUPLICATE_WINDOW = Duration.ofMillis(500);

    private TopicReader() {}

    /** Every committed record of {@code topic} up to its end as of now, partition by partition. */
    public static List<ConsumerRecord<byte[], byte[]>> readToEnd(
            Map<String, Object> clientProperties, String topic, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = fromStart(clientProperties, topic)) {
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            Await.until(
                    topic + " read to its end " + end,
                    timeout,
                    () -> {
                        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                    },
                    Boolean::booleanValue);
        }
        return out;
    }

    /**
     * A read_committed consumer (no group) assigned every partition of {@code topic} at its start, for a test that
     * reads as it goes (e.g. keeping a history per key until it shows something); the caller closes it.
     */
    public static KafkaConsumer<byte[], byte[]> fromStart(Map<String, Object> clientProperties, String topic) {
        KafkaConsumer<byte[], byte[]> consumer = consumer(clientProperties, Map.of());
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return consumer;
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /**
     * Every committed record of {@code topic}, read from the start until {@code done} holds for what was read, and
     * half a second more, so that a duplicate arriving right after is read too.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readUntil(
            Map<String, Object> clientProperties,
            String topic,
            Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
            String what,
            Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        readUntil(clientProperties, topic, out::add, () -> done.test(out), what, timeout);
        return out;
    }

    /** As {@link #readUntil(Map, String, Predicate, String, Duration)}, handing each record to {@code sink} as read. */
    public static void readUntil(
            Map<String, Object> clientProperties,
            String topic,
            Consumer<ConsumerRecord<byte[], byte[]>> sink,
            BooleanSupplier done,
            String what,
            Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> consumer =
                consumer(clientProperties, Map.of("group.id", "test-read-" + UUID.randomUUID()))) {
            consumer.subscribe(List.of(topic));
            int[] read = {0};
            Await.until(
                    what + " on " + topic,
                    timeout,
                    () -> {
                        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                            read[0]++;
                            sink.accept(r);
                        });
                        return new Progress(read[0], done.getAsBoolean());
                    },
                    Progress::done);
            consumer.poll(DUPLICATE_WINDOW).forEach(sink);
        }
    }

    private record Progress(int read, boolean done) {
        @Override
        public String toString() {
            return read + " record(s) read";
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(
            Map<String, Object> clientProperties, Map<String, Object> extra) {
        Map<String, Object> properties = new HashMap<>(clientProperties);
        properties.put("isolation.level", "read_committed");
        properties.put("auto.offset.reset", "earliest");
        properties.put("enable.auto.commit", false);
        properties.putAll(extra);
        return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
