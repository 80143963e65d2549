package io.genaibatch.cli;

import io.genaibatch.batch.Lineage;
import io.genaibatch.jobs.JobsReader.Batch;
import io.genaibatch.jobs.JobsReader.JobRecord;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** BatchJob values and read batches for the jobs command's tests. */
final class JobFixtures {
    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    private JobFixtures() {}

    /** A job of {@code model} in {@code state}; a job name once past SUBMITTING. */
    static BatchJob.Builder job(String batchId, String model, JobState state) {
        return BatchJob.newBuilder()
                .setBatchId(batchId)
                .setGroupKey(model + "/GENERATE/0")
                .setModel(model)
                .setKind(RequestKind.GENERATE)
                .setAttempt(1)
                .setItemCount(10)
                .setItemBytes(1000L)
                .setItemsPartition(0)
                .setFirstItemOffset(0L)
                .setLastItemOffset(10L)
                .setInputMode(InputMode.INLINE)
                .setJobName(state == JobState.SUBMITTING ? null : "batches/" + batchId.replace('.', '-'))
                .setState(state)
                .setCreatedAt(T0)
                .setUpdatedAt(T0);
    }

    /** A batch as the reader would give it, from its records oldest first. */
    static Batch batch(BatchJob... jobs) {
        return batch(null, jobs);
    }

    /** As {@link #batch(BatchJob...)}, with {@code lineage} on the last record. */
    static Batch batch(Lineage lineage, BatchJob... jobs) {
        List<JobRecord> records = new java.util.ArrayList<>();
        for (int i = 0; i < jobs.length; i++) {
            records.add(new JobRecord(
                    jobs[i].getBatchId(),
                    0,
                    i,
                    T0.plusSeconds(i),
                    jobs[i],
                    i == jobs.length - 1 ? Optional.ofNullable(lineage) : Optional.empty()));
        }
        return new Batch(jobs[0].getBatchId(), records);
    }
}
