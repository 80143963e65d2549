package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.records.BatchJob;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobTableTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private final JobTable table = new JobTable(new PollSchedule(Duration.ofSeconds(10), Duration.ofMinutes(5)));

    static BatchJob job(String batchId, String jobName, JobState state, long publishedThrough) {
        return BatchJob.newBuilder()
                .setBatchId(batchId)
                .setGroupKey("g")
                .setModel("m")
                .setKind(RequestKind.GENERATE)
                .setAttempt(1)
                .setItemCount(100)
                .setItemBytes(1000)
                .setItemsPartition(0)
                .setFirstItemOffset(0)
                .setLastItemOffset(200)
                .setInputMode(InputMode.FILE)
                .setJobName(jobName)
                .setState(state)
                .setPublishedThrough(publishedThrough)
                .setCreatedAt(T0)
                .setUpdatedAt(T0)
                .setSubmittedAt(T0)
                .build();
    }

    @Test
    void shouldKeepOnlyJobsWithANameThatAreNotPublished() {
        table.onRecord(0, 1, "a", job("a", null, JobState.SUBMITTING, 0), io.genaibatch.batch.Lineage.root("test"), T0);
        table.onRecord(
                0, 2, "b", job("b", "batches/b", JobState.PENDING, 0), io.genaibatch.batch.Lineage.root("test"), T0);
        table.onRecord(
                0, 3, "c", job("c", "batches/c", JobState.PUBLISHED, 10), io.genaibatch.batch.Lineage.root("test"), T0);
        assertThat(table.get("a")).isEmpty();
        assertThat(table.get("b")).isPresent();
        assertThat(table.get("c")).isEmpty();

        table.onRecord(
                0,
                4,
                "b",
                job("b", "batches/b", JobState.PUBLISHED, 100),
                io.genaibatch.batch.Lineage.root("test"),
                T0);
        assertThat(table.get("b")).as("PUBLISHED closes it").isEmpty();
        table.onRecord(
                0, 5, "d", job("d", "batches/d", JobState.RUNNING, 0), io.genaibatch.batch.Lineage.root("test"), T0);
        table.onRecord(0, 6, "d", null, io.genaibatch.batch.Lineage.root("test"), T0);
        assertThat(table.get("d")).as("a tombstone closes it").isEmpty();
    }

    @Test
    void shouldScheduleRunningJobsByAgeAndFinishedJobsAtOnce() {
        table.onRecord(
                0,
                1,
                "running",
                job("running", "batches/r", JobState.RUNNING, 0),
                io.genaibatch.batch.Lineage.root("test"),
                T0.plusSeconds(3));
        table.onRecord(
                1,
                1,
                "finished",
                job("finished", "batches/f", JobState.SUCCEEDED, 0),
                io.genaibatch.batch.Lineage.root("test"),
                T0.plusSeconds(3));
        assertThat(table.due(T0.plusSeconds(3), Set.of(0, 1)))
                .extracting(JobTable.OpenJob::batchId)
                .containsExactly("finished");
        assertThat(table.due(T0.plusSeconds(10), Set.of(0, 1)))
                .extracting(JobTable.OpenJob::batchId)
                .containsExactly("finished", "running");
        assertThat(table.due(T0.plusSeconds(10), Set.of(0)))
                .as("only ready partitions")
                .extracting(JobTable.OpenJob::batchId)
                .containsExactly("running");
        assertThat(table.untilNextDue(T0, Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(table.untilNextDue(T0.plusSeconds(2), Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(1));
        assertThat(table.untilNextDue(T0.plusSeconds(5), Duration.ofSeconds(5))).isEqualTo(Duration.ZERO);
    }

    @Test
    void shouldIgnoreItsOwnOlderWritesReadBackAfterANewerOne() {
        table.onRecord(
                0, 10, "a", job("a", "batches/a", JobState.SUCCEEDED, 0), io.genaibatch.batch.Lineage.root("test"), T0);
        JobTable.OpenJob entry = table.get("a").orElseThrow();
        table.onWritten(
                entry, job("a", "batches/a", JobState.SUCCEEDED, 50), io.genaibatch.batch.Lineage.root("a"), 11);
        table.onWritten(
                entry, job("a", "batches/a", JobState.SUCCEEDED, 100), io.genaibatch.batch.Lineage.root("a"), 12);

        // The consumer now delivers the poller's own write at offset 11: older than its latest, so ignored
        assertThat(table.onRecord(
                        0,
                        11,
                        "a",
                        job("a", "batches/a", JobState.SUCCEEDED, 50),
                        io.genaibatch.batch.Lineage.root("test"),
                        T0))
                .isFalse();
        assertThat(table.get("a").orElseThrow().job().getPublishedThrough()).isEqualTo(100);

        // Even once the job is PUBLISHED and gone from the table, a stale progress record must not reopen it
        table.onWritten(
                entry, job("a", "batches/a", JobState.PUBLISHED, 150), io.genaibatch.batch.Lineage.root("a"), 13);
        assertThat(table.get("a")).isEmpty();
        assertThat(table.onRecord(
                        0,
                        12,
                        "a",
                        job("a", "batches/a", JobState.SUCCEEDED, 100),
                        io.genaibatch.batch.Lineage.root("test"),
                        T0))
                .isFalse();
        assertThat(table.get("a")).isEmpty();

        // Once the consumer has read past the write, a newer record from someone else is taken again
        table.onPosition(0, 14);
        table.onRecord(
                0, 20, "a", job("a", "batches/a2", JobState.PENDING, 0), io.genaibatch.batch.Lineage.root("test"), T0);
        assertThat(table.get("a")).isPresent();
    }

    @Test
    void shouldCommitNoFurtherThanTheOldestOpenJobOfThePartition() {
        table.onRecord(
                0, 5, "a", job("a", "batches/a", JobState.RUNNING, 0), io.genaibatch.batch.Lineage.root("test"), T0);
        table.onRecord(
                0, 9, "b", job("b", "batches/b", JobState.RUNNING, 0), io.genaibatch.batch.Lineage.root("test"), T0);
        table.onRecord(
                1, 2, "c", job("c", "batches/c", JobState.RUNNING, 0), io.genaibatch.batch.Lineage.root("test"), T0);
        assertThat(table.commitOffset(0, 20)).isEqualTo(5);
        assertThat(table.commitOffset(1, 20)).isEqualTo(2);
        table.onRecord(
                0, 21, "a", job("a", "batches/a", JobState.PUBLISHED, 0), io.genaibatch.batch.Lineage.root("test"), T0);
        assertThat(table.commitOffset(0, 22)).isEqualTo(9);
        table.dropPartition(0);
        assertThat(table.commitOffset(0, 22)).isEqualTo(22);
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void shouldIgnoreAnOperatorsRequestUnlessTheBatchIsHeld() {
        JobTable table = new JobTable(new PollSchedule(Duration.ofSeconds(1), Duration.ofSeconds(10)));
        io.genaibatch.batch.Lineage root = io.genaibatch.batch.Lineage.root("a");
        BatchJob failed = job("a", "batches/a", JobState.FAILED, 0);

        // A retry written from a stale read, after the batch was decided and closed: it must not reopen it
        table.onRecord(
                0,
                1,
                "a",
                BatchJob.newBuilder(failed).setState(JobState.PUBLISHED).build(),
                root.decided(io.genaibatch.batch.Lineage.RESUBMITTED, java.util.List.of("a.a2")),
                T0);
        assertThat(table.onRecord(
                        0,
                        2,
                        "a",
                        failed,
                        root.decided(io.genaibatch.batch.Lineage.RETRY_REQUESTED, java.util.List.of()),
                        T0))
                .isFalse();
        assertThat(table.get("a")).isEmpty();

        // The same request on a HELD batch is taken
        table.onRecord(
                0,
                3,
                "b",
                job("b", "batches/b", JobState.FAILED, 0),
                io.genaibatch.batch.Lineage.root("b").decided(io.genaibatch.batch.Lineage.HELD, java.util.List.of()),
                T0);
        assertThat(table.onRecord(
                        0,
                        4,
                        "b",
                        job("b", "batches/b", JobState.FAILED, 0),
                        io.genaibatch.batch.Lineage.root("b")
                                .decided(io.genaibatch.batch.Lineage.RETRY_REQUESTED, java.util.List.of()),
                        T0))
                .isTrue();
        assertThat(table.get("b").orElseThrow().lineage().decision())
                .isEqualTo(io.genaibatch.batch.Lineage.RETRY_REQUESTED);
    }
}
