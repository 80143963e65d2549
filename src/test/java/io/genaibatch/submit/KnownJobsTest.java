package io.genaibatch.submit;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which genai.jobs records the read at assignment offers for tombstoning: only a batch whose latest record is
 * PUBLISHED and whose seal retention deleted from genai.batches. Kafka's MockConsumer serves the topic: the selection,
 * not the reading, is under test (SubmitterIT runs the whole of it on a broker).
 */
class KnownJobsTest {
    private static final String JOBS = "genai.jobs";
    private static final TopicPartition JOBS_0 = new TopicPartition(JOBS, 0);
    /** genai.batches partition 0 starts at this offset: retention deleted what was before. */
    private static final long LOG_START = 20;

    private final RecordCodec<BatchJob> codec = RecordCodec.batchJob();
    private long offset;

    @TempDir
    Path dir;

    @Test
    void offersOnlyPublishedBatchesWhoseSealRetentionDeletedAndWhoseLatestRecordIsReadable() {
        MockConsumer<String, byte[]> jobs = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
        jobs.updatePartitions(JOBS, List.of(new PartitionInfo(JOBS, 0, Node.noNode(), new Node[0], new Node[0])));
        jobs.updateBeginningOffsets(Map.of(JOBS_0, 0L));
        List<ConsumerRecord<String, byte[]>> records = List.of(
                record("gone", job("gone", 0, 9, JobState.PUBLISHED)),
                // Its first item is gone, its seal is not: a new group would read that seal again.
                record("straddles", job("straddles", 15, 25, JobState.PUBLISHED)),
                record("running", job("running", 2, 5, JobState.RUNNING)),
                record("unreadable-last", job("unreadable-last", 10, 12, JobState.PUBLISHED)),
                record("unreadable-last", "not a job record".getBytes(StandardCharsets.UTF_8)),
                record("earlier", job("earlier", 3, 8, JobState.PUBLISHED)));
        MockConsumer<String, byte[]> ends = new MockConsumer<>(AutoOffsetResetStrategy.NONE.name());
        ends.updateEndOffsets(Map.of(JOBS_0, offset));
        jobs.schedulePollTask(() -> records.forEach(jobs::addRecord));

        KnownJobs known = new KnownJobs();
        known.load(jobs, ends, JOBS, Map.of(0, 30L), Map.of(0, LOG_START), codec, Duration.ofSeconds(5));

        assertThat(known.retentionPassed()).containsOnlyKeys("gone", "earlier");
    }

    @Test
    void offersNothingOfAPartitionThisInstanceWasNotAssigned() {
        MockConsumer<String, byte[]> jobs = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
        jobs.updatePartitions(JOBS, List.of(new PartitionInfo(JOBS, 0, Node.noNode(), new Node[0], new Node[0])));
        jobs.updateBeginningOffsets(Map.of(JOBS_0, 0L));
        ConsumerRecord<String, byte[]> other = record("elsewhere", job("elsewhere", 0, 9, JobState.PUBLISHED));
        MockConsumer<String, byte[]> ends = new MockConsumer<>(AutoOffsetResetStrategy.NONE.name());
        ends.updateEndOffsets(Map.of(JOBS_0, offset));
        jobs.schedulePollTask(() -> jobs.addRecord(other));

        KnownJobs known = new KnownJobs();
        // Its batch is on genai.batches partition 0; this instance owns partition 1 only.
        known.load(jobs, ends, JOBS, Map.of(1, 0L), Map.of(0, LOG_START, 1, 0L), codec, Duration.ofSeconds(5));

        assertThat(known.retentionPassed()).isEmpty();
    }

    private BatchJob job(String batchId, long firstItem, long seal, JobState state) {
        SealedBatch batch = new SealedBatch(
                batchId,
                "g",
                "m",
                RequestKind.GENERATE,
                2,
                100,
                0,
                firstItem,
                seal,
                dir.resolve(batchId),
                Instant.now());
        return BatchJob.newBuilder(SubmitterJobRecords.intent(batch, InputMode.INLINE, null, null, Instant.now()))
                .setState(state)
                .build();
    }

    private ConsumerRecord<String, byte[]> record(String key, BatchJob job) {
        return record(key, codec.encode(job, ValueFormat.AVRO));
    }

    private ConsumerRecord<String, byte[]> record(String key, byte[] value) {
        return new ConsumerRecord<>(JOBS, 0, offset++, key, value);
    }
}
