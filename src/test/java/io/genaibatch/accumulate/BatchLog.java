package io.genaibatch.accumulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.BatchSeal;
import io.genaibatch.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads genai.batches with read_committed, as the submitter will, and checks the accumulator's promises:
 * every item in exactly one sealed batch, seals that match their items, no item after its seal, no batch over
 * its bounds.
 */
final class BatchLog implements AutoCloseable {
    private static final RecordCodec<BatchRecord> CODEC = RecordCodec.batchRecord();

    private final KafkaConsumer<String, byte[]> consumer;
    final Map<String, List<BatchItem>> itemsByBatch = new LinkedHashMap<>();
    final Map<String, BatchSeal> seals = new LinkedHashMap<>();
    private final List<String> violations = new ArrayList<>();
    private final Map<String, Integer> partitionOfBatch = new HashMap<>();

    BatchLog(String bootstrapServers, String topic) {
        consumer = new KafkaConsumer<>(
                Map.of(
                        "bootstrap.servers",
                        bootstrapServers,
                        "isolation.level",
                        "read_committed",
                        "auto.offset.reset",
                        "earliest",
                        "enable.auto.commit",
                        false,
                        "group.id",
                        "batch-log-" + System.nanoTime()),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
    }

    /** Polls until {@code done} holds, failing with {@code what} and what was seen after the deadline. */
    void pollUntil(Predicate<BatchLog> done, Duration deadline, String what) {
        Await.until(
                what,
                deadline,
                () -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(this::add);
                    return new Progress(
                            done.test(this),
                            sealedItems() + " items in " + seals.size() + " sealed batches, " + itemsByBatch.size()
                                    + " batches seen");
                },
                Progress::done);
    }

    private record Progress(boolean done, String seen) {
        @Override
        public String toString() {
            return seen;
        }
    }

    /** Reads whatever is committed during {@code time}: what a stopped application had written. */
    void drain(Duration time) {
        long end = System.nanoTime() + time.toNanos();
        while (System.nanoTime() < end) {
            consumer.poll(Duration.ofMillis(100)).forEach(this::add);
        }
    }

    private void add(ConsumerRecord<String, byte[]> r) {
        BatchRecord b = CODEC.decode(r.value());
        if (!b.getBatchId().equals(r.key())) {
            violations.add("record key " + r.key() + " is not its batchId " + b.getBatchId());
        }
        Integer partition = partitionOfBatch.putIfAbsent(b.getBatchId(), r.partition());
        if (partition != null && partition != r.partition()) {
            violations.add("batch " + b.getBatchId() + " spans partitions " + partition + " and " + r.partition());
        }
        if (seals.containsKey(b.getBatchId())) {
            violations.add("record after the seal of batch " + b.getBatchId() + " at offset " + r.offset());
        }
        if (b.getItem() != null) {
            itemsByBatch.computeIfAbsent(b.getBatchId(), k -> new ArrayList<>()).add(b.getItem());
        } else {
            seals.put(b.getBatchId(), b.getSeal());
        }
    }

    long itemsSeen() {
        return itemsByBatch.values().stream().mapToLong(List::size).sum();
    }

    long sealedItems() {
        return seals.keySet().stream()
                .mapToLong(id -> itemsByBatch.getOrDefault(id, List.of()).size())
                .sum();
    }

    /**
     * Every item in a sealed batch, counts and bytes matching, within {@code maxRequests}/{@code maxBytes} of its model,
     * and each source record (partition, offset) exactly once, equal to {@code expected}.
     */
    void assertExact(
            Set<String> expectedSources, Function<String, Integer> maxRequests, Function<String, Long> maxBytes) {
        assertThat(violations).as("ordering and keying violations").isEmpty();
        Set<String> seen = new HashSet<>();
        List<String> duplicates = new ArrayList<>();
        for (Map.Entry<String, List<BatchItem>> batch : itemsByBatch.entrySet()) {
            BatchSeal seal = seals.get(batch.getKey());
            assertThat(seal).as("batch %s is sealed", batch.getKey()).isNotNull();
            List<BatchItem> items = batch.getValue();
            assertThat(seal.getCount()).as("count of %s", batch.getKey()).isEqualTo(items.size());
            assertThat(seal.getBytes())
                    .as("bytes of %s", batch.getKey())
                    .isEqualTo(
                            items.stream().mapToLong(BatchItem::getRequestBytes).sum());
            assertThat(seal.getCount())
                    .as("%s within max-requests", batch.getKey())
                    .isLessThanOrEqualTo(maxRequests.apply(seal.getModel()));
            assertThat(seal.getBytes())
                    .as("%s within max-bytes", batch.getKey())
                    .isLessThanOrEqualTo(maxBytes.apply(seal.getModel()));
            for (BatchItem item : items) {
                assertThat(item.getModel()).isEqualTo(seal.getModel());
                assertThat(item.getKind()).isEqualTo(seal.getKind());
                if (!seen.add(item.getSourcePartition() + "@" + item.getSourceOffset())) {
                    duplicates.add(item.getSourcePartition() + "@" + item.getSourceOffset() + " in " + batch.getKey());
                }
            }
        }
        assertThat(seals.keySet()).as("every seal has items").isEqualTo(itemsByBatch.keySet());
        assertThat(duplicates).as("requests in two batches").isEmpty();
        Set<String> missing = new HashSet<>(expectedSources);
        missing.removeAll(seen);
        assertThat(missing).as("requests in no batch").isEmpty();
        assertThat(seen).hasSize(expectedSources.size());
    }

    @Override
    public void close() {
        consumer.close();
    }
}
