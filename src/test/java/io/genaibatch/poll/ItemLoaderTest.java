package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genaibatch.batch.Lineage;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.JobState;
import io.genaibatch.testkit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** poll.items-read-timeout bounds a read that makes no progress, not a read that takes long. */
class ItemLoaderTest {
    private static final String TOPIC = "batches";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("none");
    private final ManualClock clock = new ManualClock();
    private final ItemLoader loader = new ItemLoader(consumer, TOPIC, TIMEOUT, clock);

    @Test
    void shouldKeepReadingABatchThatTakesLongerThanTheTimeoutWhileItsPositionAdvances() {
        // Step 1: ten items at offsets 10..19, one per poll, each poll 3 s: 30 s in all, six times the timeout
        BatchJob job = job(10, 19);
        for (int i = 0; i < 10; i++) {
            int n = i;
            consumer.schedulePollTask(() -> {
                clock.advance(Duration.ofSeconds(3));
                consumer.addRecord(item(10 + n, "r-" + n));
            });
        }
        AtomicInteger heartbeats = new AtomicInteger();

        // Step 2: load
        try (ItemIndex index = ItemIndex.open(dir.resolve("idx"))) {
            long n = loader.load(job, JobItems.of(job, Lineage.root("b-1")), index, heartbeats::incrementAndGet, false);

            // Step 3: every item is in, and the group was kept alive meanwhile
            assertThat(n).isEqualTo(10);
            assertThat(index.itemsComplete()).isTrue();
            assertThat(Duration.between(ManualClock.START, clock.instant())).isEqualTo(Duration.ofSeconds(30));
            assertThat(heartbeats.get()).isGreaterThan(0);
        }
    }

    @Test
    void shouldGiveUpNamingPartitionAndOffsetsWhenThePositionStaysPutForTheTimeout() {
        // Step 1: items at offsets 10..19, of which only 10..12 are readable (an open transaction holds the rest)
        BatchJob job = job(10, 19);
        consumer.updateEndOffsets(Map.of(TP, 13L));
        consumer.schedulePollTask(() -> {
            clock.advance(Duration.ofSeconds(1));
            for (int i = 0; i < 3; i++) {
                consumer.addRecord(item(10 + i, "r-" + i));
            }
        });
        for (int i = 0; i < 10; i++) {
            consumer.schedulePollTask(() -> clock.advance(Duration.ofSeconds(2)));
        }

        // Step 2 and 3: the read fails once the position has not moved for more than 5 s, and says where it stands
        try (ItemIndex index = ItemIndex.open(dir.resolve("idx"))) {
            assertThatThrownBy(() -> loader.load(job, JobItems.of(job, Lineage.root("b-1")), index, () -> {}, false))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("batch b-1 job batches/j-1")
                    .hasMessageContaining("batches-0 offsets 10..19")
                    .hasMessageContaining("made no progress for PT5S")
                    .hasMessageContaining("position stayed at 13")
                    .hasMessageContaining("last stable offset is 13");
            // Progress at 1 s; no progress for 2, 4, then 6 s: it gives up at the first check past 5 s, not before
            assertThat(Duration.between(ManualClock.START, clock.instant())).isEqualTo(Duration.ofSeconds(7));
            assertThat(index.itemsComplete()).isFalse();
        }
    }

    @Test
    void shouldCutABatchInTwoHalvesOfItsOwnItemsSkippingInterleavedBatches() {
        // Step 1: five items of b-1 at offsets 10, 11, 13, 15, 16, with items of another batch at 12 and 14
        BatchJob job = BatchJob.newBuilder(job(10, 16)).setItemCount(5).build();
        consumer.schedulePollTask(() -> {
            for (long offset = 10; offset <= 16; offset++) {
                consumer.addRecord(offset == 12 || offset == 14 ? otherBatchItem(offset) : item(offset, "r-" + offset));
            }
        });

        // Step 2: find the halves
        ItemLoader.Halves h = loader.halves(job, JobItems.of(job, Lineage.root("b-1")), () -> {})
                .orElseThrow();

        // Step 3: two items, then three, each half a range of offsets that holds exactly its items of b-1
        assertThat(h.first()).isEqualTo(new Lineage.ItemsRange("b-1", 0, 10, 11));
        assertThat(h.firstCount()).isEqualTo(2);
        assertThat(h.second()).isEqualTo(new Lineage.ItemsRange("b-1", 0, 13, 16));
        assertThat(h.secondCount()).isEqualTo(3);
        assertThat(h.firstBytes() + h.secondBytes())
                .isEqualTo(5 * ItemIndexTest.item("r-0", "k").getRequestBytes());
    }

    @Test
    void shouldFindNothingToSplitInABatchOfOneRequest() {
        BatchJob job = BatchJob.newBuilder(job(10, 10)).setItemCount(1).build();
        consumer.schedulePollTask(() -> consumer.addRecord(item(10, "r-10")));

        assertThat(loader.halves(job, JobItems.of(job, Lineage.root("b-1")), () -> {}))
                .isEmpty();
    }

    private static ConsumerRecord<byte[], byte[]> otherBatchItem(long offset) {
        return new ConsumerRecord<>(
                TOPIC,
                0,
                offset,
                "b-2".getBytes(StandardCharsets.UTF_8),
                RecordCodec.batchRecord()
                        .encode(
                                BatchRecord.newBuilder()
                                        .setBatchId("b-2")
                                        .setGroupKey("g")
                                        .setItem(ItemIndexTest.item("x-" + offset, "k"))
                                        .build(),
                                ValueFormat.AVRO));
    }

    private static BatchJob job(long first, long last) {
        return BatchJob.newBuilder(JobTableTest.job("b-1", "batches/j-1", JobState.SUCCEEDED, 0))
                .setItemCount((int) (last - first + 1))
                .setItemsPartition(0)
                .setFirstItemOffset(first)
                .setLastItemOffset(last)
                .build();
    }

    private static ConsumerRecord<byte[], byte[]> item(long offset, String requestId) {
        return new ConsumerRecord<>(
                TOPIC,
                0,
                offset,
                "b-1".getBytes(StandardCharsets.UTF_8),
                RecordCodec.batchRecord()
                        .encode(
                                BatchRecord.newBuilder()
                                        .setBatchId("b-1")
                                        .setGroupKey("g")
                                        .setItem(ItemIndexTest.item(requestId, "key-" + requestId))
                                        .build(),
                                ValueFormat.AVRO));
    }
}
