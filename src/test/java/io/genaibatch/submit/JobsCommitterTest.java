package io.genaibatch.submit;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.RequestKind;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What each genai.jobs transaction carries. Kafka's MockProducer records the offsets sent to each transaction: the
 * fencing itself (a transaction with offsets and group metadata refused to a past generation) is the broker's, the
 * test checks that the offsets are there for it to act on.
 */
class JobsCommitterTest {
    private static final TopicPartition PARTITION = new TopicPartition("genai.batches", 0);

    @TempDir
    Path dir;

    @Test
    void aJobRecordThatDoesNotAdvanceTheOffsetStillCarriesItSoThatAPausedInstanceCannotWriteIt() {
        MockProducer<String, byte[]> producer =
                new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        MockConsumer<String, byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.NONE.name());
        PartitionBatches pb = new PartitionBatches(PARTITION, 0);
        // A (offsets 0..4) and B (5..9) in flight: recording B does not move the committed offset, held at A's start.
        SealedBatch a = sealed("A", 0, 4);
        SealedBatch b = sealed("B", 5, 9);
        for (long o = 0; o <= 9; o++) {
            pb.consumed(o);
        }
        pb.addInFlight(a, null);
        pb.addInFlight(b, null);
        Map<TopicPartition, PartitionBatches> partitions = new HashMap<>(Map.of(PARTITION, pb));
        JobsCommitter committer = new JobsCommitter(
                new JobsWriter(producer, consumer, "genai.jobs", ValueFormat.AVRO, new SubmitCounters()),
                PARTITION.topic(),
                "genai.jobs",
                partitions);
        committer.init();

        committer.record(b, SubmitterJobRecords.intent(b, InputMode.INLINE, null, null, Instant.now()));
        committer.service(Duration.ZERO, false);

        assertThat(producer.history()).extracting(r -> r.key()).containsExactly("B");
        assertThat(producer.consumerGroupOffsetsHistory())
                .as("offsets sent with the job record's transaction")
                .containsExactly(
                        Map.of(consumer.groupMetadata().groupId(), Map.of(PARTITION, new OffsetAndMetadata(0))));
    }

    @Test
    void tombstoningStopsAtItsBudgetLeavingTheRestForTheNextAssignment() {
        MockProducer<String, byte[]> producer =
                new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        MockConsumer<String, byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.NONE.name());
        JobsCommitter committer = new JobsCommitter(
                new JobsWriter(producer, consumer, "genai.jobs", ValueFormat.AVRO, new SubmitCounters()),
                PARTITION.topic(),
                "genai.jobs",
                new HashMap<>());
        committer.init();
        Map<String, Integer> finished = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 2_500; i++) {
            finished.put("b-" + i, 0);
        }

        committer.tombstone(finished, Duration.ZERO);

        assertThat(producer.history())
                .as("one transaction of 1,000, then the budget is spent")
                .hasSize(1_000)
                .allSatisfy(r -> assertThat(r.value()).isNull());
    }

    private SealedBatch sealed(String id, long first, long seal) {
        return new SealedBatch(
                id, "g", "m", RequestKind.GENERATE, 2, 100, 0, first, seal, dir.resolve(id), Instant.now());
    }
}
