package io.genaibatch.cli;

import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.ReadToEnd;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a topic read_committed from a remembered position, without a consumer group: what the demo watches. */
final class TopicTail implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;

    private TopicTail(KafkaConsumer<byte[], byte[]> consumer) {
        this.consumer = consumer;
    }

    /** The current end of every partition of {@code topic}: where a tail opened later starts. */
    static Map<TopicPartition, Long> endOffsets(KafkaClients clients, String topic) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(clients)) {
            return c.endOffsets(partitions(c, topic));
        }
    }

    /** A tail of {@code topic} from {@code from}; empty map = from the beginning. */
    static TopicTail open(KafkaClients clients, String topic, Map<TopicPartition, Long> from) {
        KafkaConsumer<byte[], byte[]> c = consumer(clients);
        List<TopicPartition> partitions = partitions(c, topic);
        c.assign(partitions);
        c.seekToBeginning(partitions);
        from.forEach(c::seek);
        return new TopicTail(c);
    }

    /** Hands every record that arrives within {@code wait} to {@code sink}; returns how many. */
    int poll(Duration wait, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
            sink.accept(r);
            n++;
        }
        return n;
    }

    /** Reads until the end as it is now (for a compacted or finished topic). */
    void readToEnd(Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        ReadToEnd.read(consumer, end, ReadToEnd.Limit.within(Duration.ofSeconds(30)), sink);
    }

    @Override
    public void close() {
        consumer.close();
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> c, String topic) {
        List<TopicPartition> partitions = ReadToEnd.partitions(c, topic, Duration.ofSeconds(60));
        if (partitions.isEmpty()) {
            throw new IllegalStateException(
                    "topic " + topic + " does not exist: run `genai-batch topics create` first");
        }
        return partitions;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(KafkaClients clients) {
        return new KafkaConsumer<>(
                clients.consumer(Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "genai-batch-demo")),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }
}
