package io.genaibatch.submit;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.JobState;
import io.genaibatch.submit.SubmitItSupport.TestBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reading end of the submitter on its own: genai.batches records in, spool files and submissions out. */
class BatchReaderTest {
    private static final TopicPartition PARTITION = new TopicPartition("genai.batches", 0);

    @TempDir
    Path dir;

    private final FakeBatchApi api = new FakeBatchApi();
    private final SubmissionTest.RecordingJobLog jobLog = new SubmissionTest.RecordingJobLog(api.calls);
    private final ScheduledThreadPoolExecutor workers =
            new ScheduledThreadPoolExecutor(1, Threads.named("test-worker"));
    private final SubmitCounters counters = new SubmitCounters();
    private final Map<TopicPartition, PartitionBatches> partitions = new HashMap<>();
    private final PartitionBatches pb = new PartitionBatches(PARTITION, -1);
    private final RecordCodec<BatchRecord> codec = RecordCodec.batchRecord();
    private long nextOffset;

    @AfterEach
    void stopWorkers() throws InterruptedException {
        workers.shutdownNow();
        workers.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void shouldSubmitABatchAtItsSealWithExactlyItsItemsWhileAnInterleavedBatchStaysOpen() throws Exception {
        BatchReader reader = reader(8);
        TestBatch a = SubmitItSupport.generate("a", 2, 20);
        TestBatch b = SubmitItSupport.generate("b", 2, 20);

        assertThat(reader.take(pb, record(a.itemRecord(0)))).isTrue();
        assertThat(reader.take(pb, record(b.itemRecord(0)))).isTrue();
        assertThat(reader.take(pb, record(a.itemRecord(1)))).isTrue();
        assertThat(reader.take(pb, record(a.sealRecord()))).isTrue();

        BatchJob recorded = jobLog.awaitRecord("a", Duration.ofSeconds(20));
        assertThat(recorded.getJobName()).isNotNull();
        assertThat((String.join("\n", api.created.get(0).inlineLines()) + "\n").getBytes(StandardCharsets.UTF_8))
                .isEqualTo(a.jsonl());
        assertThat(recorded.getFirstItemOffset()).isZero();
        assertThat(recorded.getLastItemOffset()).isEqualTo(3);
        // b is still open: the offset to commit stays at its first item, once a is recorded
        assertThat(pb.committable(java.util.Set.of("a"))).isEqualTo(1);
    }

    @Test
    void shouldRecordASealThatDoesNotMatchItsItemsFailedWithoutSubmittingIt() throws Exception {
        BatchReader reader = reader(8);
        TestBatch a = SubmitItSupport.generate("a", 2, 20);

        reader.take(pb, record(a.itemRecord(0)));
        reader.take(pb, record(a.sealRecord()));

        BatchJob recorded = jobLog.awaitRecord("a", Duration.ofSeconds(20));
        assertThat(recorded.getState()).isEqualTo(JobState.FAILED);
        assertThat(recorded.getError().getCode()).isEqualTo("SEAL_MISMATCH");
        assertThat(api.created).isEmpty();
    }

    @Test
    void shouldLeaveASealUnreadAtMaxJobsInFlight() {
        jobLog.holdIntents = new java.util.concurrent.CountDownLatch(1);
        BatchReader reader = reader(1);
        TestBatch a = SubmitItSupport.generate("a", 1, 20);
        TestBatch b = SubmitItSupport.generate("b", 1, 20);
        reader.take(pb, record(a.itemRecord(0)));
        reader.take(pb, record(b.itemRecord(0)));

        assertThat(reader.take(pb, record(a.sealRecord()))).isTrue();
        assertThat(reader.take(pb, record(b.sealRecord())))
                .as("b's seal, with a in flight")
                .isFalse();
        assertThat(reader.inFlightCount()).isEqualTo(1);
        jobLog.holdIntents.countDown();
    }

    private BatchReader reader(int maxJobsInFlight) {
        partitions.put(PARTITION, pb);
        Submission.Context ctx = new Submission.Context(
                api,
                jobLog,
                new JobFinder(api, 100, counters),
                10_000,
                new Backoff(Duration.ofMillis(10), Duration.ofMillis(50), () -> 0.5),
                counters,
                SubmitHooks.NONE,
                workers,
                Clock.systemUTC(),
                t -> {},
                new Semaphore(1),
                null,
                Duration.ZERO);
        return new BatchReader(
                partitions,
                new KnownJobs(),
                new Spool(dir, "g", PARTITION.topic()),
                ctx,
                maxJobsInFlight,
                counters,
                Clock.systemUTC());
    }

    private ConsumerRecord<String, byte[]> record(BatchRecord value) {
        return new ConsumerRecord<>(
                PARTITION.topic(),
                PARTITION.partition(),
                nextOffset++,
                value.getBatchId(),
                codec.encode(value, ValueFormat.AVRO));
    }
}
