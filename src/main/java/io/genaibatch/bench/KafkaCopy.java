package io.genaibatch.bench;

import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.TopicSpec;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchRecord;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What Kafka alone costs for the poller's part of the work, on the same broker: a transactional
 * consume-transform-produce that reads a batch's items from genai.batches (decoding each, as the poller's item index
 * does), writes one record of a response's size per item, keyed by the item's key, to a topic shaped like
 * genai.responses, and commits every {@code chunk} records (or fewer, at the poller's chunk bytes) with a small
 * progress record, the last of them also with the consumer's offset, as the poller commits each chunk with the job's
 * progress and only the last with the group's offset. Its producer has the poller's settings (idempotent,
 * acks=all, the poller's producer tuning, the client defaults otherwise), so the difference to the poller is the poller's own work: the API, the
 * disk cache, the index and the responses' content.
 */
final class KafkaCopy {
    private static final Duration POLL = Duration.ofMillis(200);

    /** What the copy moved and how long it took, from the first read to the last commit. */
    record Figures(long records, long bytes, int transactions, double seconds) {}

    private final KafkaClients clients;
    private final String batchesTopic;
    private final TopicSpec target;
    private final int chunk;
    private final long chunkBytes;
    private final Map<String, Object> producerSettings;

    /**
     * @param target the topic to write to (created when missing), with the partitions of genai.responses
     * @param chunk      records per transaction: the poller's poll.publish-chunk
     * @param chunkBytes value bytes that end a transaction before {@code chunk}: the poller's poll.publish-chunk-bytes
     * @param tuning     the poller's producer tuning ({@link io.genaibatch.poll.Poller#producerTuning})
     */
    KafkaCopy(
            KafkaClients clients,
            String batchesTopic,
            TopicSpec target,
            int chunk,
            long chunkBytes,
            Map<String, Object> tuning) {
        this.clients = clients;
        this.chunkBytes = chunkBytes;
        Map<String, Object> producer = new HashMap<>(tuning);
        producer.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-kafka-copy");
        this.producerSettings = Map.copyOf(producer);
        this.batchesTopic = batchesTopic;
        this.target = target;
        this.chunk = chunk;
    }

    /**
     * Copies the items of {@code batchId} on {@code partition} up to its end, writing {@code valueBytes} per item.
     *
     * @return the figures, once the last transaction committed
     */
    Figures run(String batchId, int partition, int valueBytes) throws Exception {
        try (var admin = clients.admin()) {
            new TopicAdmin(admin).createMissing(List.of(target));
        }
        TopicPartition tp = new TopicPartition(batchesTopic, partition);
        RecordCodec<BatchRecord> codec = RecordCodec.batchRecord();
        byte[] value = new byte[valueBytes];
        Arrays.fill(value, (byte) 'x');
        byte[] progress = new byte[64];
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                        clients.properties(Map.of(
                                ConsumerConfig.GROUP_ID_CONFIG,
                                "bench-kafka-copy",
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false,
                                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                                1000)),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer());
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        clients.producer(producerSettings), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long start = System.nanoTime();
            long records = 0;
            long bytes = 0;
            int transactions = 0;
            int inChunk = 0;
            long chunkValueBytes = 0;
            producer.beginTransaction();
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    BatchRecord record = codec.decode(r.value());
                    BatchItem item = record.getItem();
                    if (item == null || !batchId.equals(record.getBatchId())) {
                        continue;
                    }
                    byte[] key = new byte[item.getKey().remaining()];
                    item.getKey().duplicate().get(key);
                    producer.send(new ProducerRecord<>(target.name(), key, value), (m, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        }
                    });
                    records++;
                    bytes += key.length + value.length;
                    chunkValueBytes += value.length;
                    if (++inChunk == chunk || chunkValueBytes >= chunkBytes) {
                        commit(producer, batchId, progress);
                        transactions++;
                        inChunk = 0;
                        chunkValueBytes = 0;
                        producer.beginTransaction();
                    }
                }
            }
            // The last chunk also commits the consumer's offset, as the poller's last chunk moves the group's.
            producer.sendOffsetsToTransaction(
                    Map.of(tp, new OffsetAndMetadata(consumer.position(tp))), consumer.groupMetadata());
            commit(producer, batchId, progress);
            transactions++;
            if (failure.get() != null) {
                throw failure.get();
            }
            return new Figures(records, bytes, transactions, (System.nanoTime() - start) / 1e9);
        }
    }

    /** One chunk's commit, with its progress record in the transaction. */
    private void commit(KafkaProducer<byte[], byte[]> producer, String batchId, byte[] progress) {
        producer.send(new ProducerRecord<>(
                target.name(), batchId.getBytes(java.nio.charset.StandardCharsets.UTF_8), progress));
        producer.commitTransaction();
    }
}
