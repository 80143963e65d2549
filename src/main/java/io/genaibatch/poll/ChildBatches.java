package io.genaibatch.poll;

import io.genaibatch.batch.Lineage;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.BatchSeal;
import io.genaibatch.records.SealReason;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The genai.batches records that make a child batch exist: the submitter reads them like the accumulator's and
 * submits the child as one more batch. They are sent in the transaction that records the parent's decision, so a
 * child exists exactly when its parent says so.
 *
 * <p>Every record goes to the partition of the parent's items: a range child's seal must sit where its items are
 * read from (the submitter owns batches by partition), and a re-batch child's items and seal must share one.
 */
final class ChildBatches {
    private final String topic;
    private final ValueFormat format;
    private final RecordCodec<BatchRecord> codec = RecordCodec.batchRecord();

    ChildBatches(String topic, ValueFormat format) {
        this.topic = topic;
        this.format = format;
    }

    /**
     * The seal of child {@code childId}: {@code count} items of {@code bytes} in all, found where its lineage says
     * (its own items before it, or a range of the parent's). The reason is MAX_REQUESTS: nothing else will join it.
     */
    ProducerRecord<byte[], byte[]> seal(
            BatchJob parent, String childId, Lineage lineage, int partition, int count, long bytes, Instant now) {
        BatchSeal seal = BatchSeal.newBuilder()
                .setCount(count)
                .setBytes(bytes)
                .setReason(SealReason.MAX_REQUESTS)
                .setGroupKey(parent.getGroupKey())
                .setModel(parent.getModel())
                .setKind(parent.getKind())
                .setOpenedAt(parent.getCreatedAt())
                .setSealedAt(now)
                .build();
        ProducerRecord<byte[], byte[]> r = record(
                partition,
                childId,
                BatchRecord.newBuilder()
                        .setBatchId(childId)
                        .setGroupKey(parent.getGroupKey())
                        .setSeal(seal)
                        .build());
        lineage.addTo(r.headers());
        return r;
    }

    /** A copy of a parent's item into the re-batch child {@code childId}. */
    ProducerRecord<byte[], byte[]> item(BatchJob parent, String childId, int partition, BatchItem item) {
        if (item.getRequest().isEmpty()) {
            throw new IllegalStateException("batch " + parent.getBatchId() + ": item " + item.getRequestId()
                    + " was indexed without its request JSON, so it cannot be re-batched; the index is rebuilt");
        }
        return record(
                partition,
                childId,
                BatchRecord.newBuilder()
                        .setBatchId(childId)
                        .setGroupKey(parent.getGroupKey())
                        .setItem(item)
                        .build());
    }

    private ProducerRecord<byte[], byte[]> record(int partition, String batchId, BatchRecord value) {
        return new ProducerRecord<>(
                topic, partition, batchId.getBytes(StandardCharsets.UTF_8), codec.encode(value, format));
    }
}
