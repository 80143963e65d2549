package io.genaibatch.testkit;

import io.genaibatch.batch.Lineage;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes genai.batches as the accumulator does, for tests that play the accumulator: in transactions, each record
 * keyed by its batchId, Avro values, and the seal of a child batch with its lineage header. Seal records come from
 * {@link SealedBatches}.
 */
public final class BatchesWriter implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final RecordCodec<BatchRecord> codec = RecordCodec.batchRecord();
    private final Map<String, Lineage> lineages = new HashMap<>();

    public BatchesWriter(String bootstrapServers, String topic) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(
                Map.of(
                        "bootstrap.servers",
                        bootstrapServers,
                        "transactional.id",
                        "test-accumulator-" + UUID.randomUUID()),
                new StringSerializer(),
                new ByteArraySerializer());
        producer.initTransactions();
    }

    /** The seal of {@code batchId}, when written, carries this lineage header (a child the poller made). */
    public void lineage(String batchId, Lineage lineage) {
        lineages.put(batchId, lineage);
    }

    /**
     * One committed transaction: {@code records} in order, all to {@code partition} (null: each to the partition of
     * its key, as the accumulator's producer does). Returns where each landed, in the same order.
     */
    public List<RecordMetadata> write(Integer partition, List<BatchRecord> records) {
        producer.beginTransaction();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (BatchRecord record : records) {
            RecordHeaders headers = new RecordHeaders();
            Lineage lineage = lineages.get(record.getBatchId());
            if (lineage != null && record.getSeal() != null) {
                lineage.addTo(headers);
            }
            sent.add(producer.send(new ProducerRecord<>(
                    topic, partition, record.getBatchId(), codec.encode(record, ValueFormat.AVRO), headers)));
        }
        producer.commitTransaction();
        List<RecordMetadata> landed = new ArrayList<>();
        for (Future<RecordMetadata> f : sent) {
            try {
                landed.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while writing " + topic, e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("a record to " + topic + " failed", e.getCause());
            }
        }
        return landed;
    }

    @Override
    public void close() {
        producer.close();
    }
}
