package io.genaibatch.bench;

import io.genaibatch.batch.JsonlLine;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.BatchSeal;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.SealReason;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The set-up of {@code bench submit-poll}: the batch on genai.batches, as the accumulator writes it (not timed). */
final class BenchBatchWriter {
    private static final int ITEMS_PER_TRANSACTION = 10_000;

    private final int count;
    private final BenchRequests requests;
    private final PrintWriter out;
    /** The genai.batches partition the batch went to (its records are keyed by the batchId). */
    private final AtomicInteger batchPartition = new AtomicInteger(-1);

    BenchBatchWriter(int count, BenchRequests requests, PrintWriter out) {
        this.count = count;
        this.requests = requests;
        this.out = out;
    }

    /** The partition of genai.batches that {@link #write} wrote to; -1 before. */
    int partition() {
        return batchPartition.get();
    }

    /** Writes the items in transactions, then the seal with the exact count and bytes; returns the JSONL bytes. */
    long write(GenAiBatchConfig config, Topics topics) throws Exception {
        RecordCodec<BatchRecord> codec = RecordCodec.batchRecord();
        String groupKey = SubmitPollBenchmark.MODEL + "|GENERATE|0";
        long start = System.nanoTime();
        Instant opened = Instant.now();
        long bytes = 0;
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                new KafkaClients(config)
                        .properties(Map.of(
                                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                                "bench-accumulator",
                                ProducerConfig.LINGER_MS_CONFIG,
                                5,
                                ProducerConfig.BATCH_SIZE_CONFIG,
                                256 * 1024,
                                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                                "none")),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < count; i++) {
                String request = requests.requestJson(i);
                long lineBytes = JsonlLine.size(BenchRequests.lineKey(i), request);
                bytes += lineBytes;
                BatchItem item = BatchItem.newBuilder()
                        .setRequestId(BenchRequests.requestId(i))
                        .setKey(ByteBuffer.wrap(BenchRequests.key(i).getBytes(StandardCharsets.UTF_8)))
                        .setHeaders(List.of())
                        .setMetadata(Map.of())
                        .setModel(SubmitPollBenchmark.MODEL)
                        .setKind(RequestKind.GENERATE)
                        .setRequest(request)
                        .setRequestBytes(lineBytes)
                        .setSourceTopic(BenchRequests.SOURCE_TOPIC)
                        .setSourcePartition(0)
                        .setSourceOffset(i)
                        .setReceivedAt(opened)
                        .build();
                send(
                        producer,
                        topics.batches(),
                        codec.encode(
                                new BatchRecord(SubmitPollBenchmark.BATCH_ID, groupKey, item, null), ValueFormat.AVRO),
                        failure);
                if ((i + 1) % ITEMS_PER_TRANSACTION == 0) {
                    producer.commitTransaction();
                    producer.beginTransaction();
                }
            }
            BatchSeal seal = BatchSeal.newBuilder()
                    .setCount(count)
                    .setBytes(bytes)
                    .setReason(SealReason.MAX_BYTES)
                    .setGroupKey(groupKey)
                    .setModel(SubmitPollBenchmark.MODEL)
                    .setKind(RequestKind.GENERATE)
                    .setOpenedAt(opened)
                    .setSealedAt(Instant.now())
                    .build();
            send(
                    producer,
                    topics.batches(),
                    codec.encode(new BatchRecord(SubmitPollBenchmark.BATCH_ID, groupKey, null, seal), ValueFormat.AVRO),
                    failure);
            producer.commitTransaction();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        out.printf(
                "set-up   genai.batches: %,d items + seal, %,d bytes of JSONL (%.2f GB), written in %.1f s (not timed)%n",
                count, bytes, bytes / 1e9, (System.nanoTime() - start) / 1e9);
        out.flush();
        return bytes;
    }

    private void send(
            KafkaProducer<String, byte[]> producer, String topic, byte[] value, AtomicReference<Exception> failure) {
        producer.send(new ProducerRecord<>(topic, SubmitPollBenchmark.BATCH_ID, value), (m, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                batchPartition.set(m.partition());
            }
        });
    }
}
