package io.genaibatch.submit;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.gemini.BatchState;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.Error;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import java.time.Instant;

/** The genai.jobs values the submitter writes (their fields: docs/SCHEMAS.md, BatchJob; their order: docs/SUBMITTER.md). */
final class SubmitterJobRecords {
    private SubmitterJobRecords() {}

    /**
     * The SUBMITTING intent, written and committed before create. {@code previous} is an intent already on
     * genai.jobs for this batch (from before a crash): its createdAt, attempt and parent are kept. Otherwise
     * attempt and parent come from the batch's lineage (1 and none for a batch the accumulator made).
     */
    static BatchJob intent(SealedBatch batch, InputMode mode, String uploadedFile, BatchJob previous, Instant now) {
        BatchJob.Builder b = BatchJob.newBuilder()
                .setBatchId(batch.batchId())
                .setGroupKey(batch.groupKey())
                .setModel(batch.model())
                .setKind(batch.kind())
                .setAttempt(previous == null ? batch.lineage().attempt() : previous.getAttempt())
                .setParentBatchId(previous == null ? batch.lineage().parentBatchId() : previous.getParentBatchId())
                .setItemCount(batch.itemCount())
                .setItemBytes(batch.itemBytes())
                .setItemsPartition(batch.partition())
                .setFirstItemOffset(batch.firstItemOffset())
                .setLastItemOffset(batch.sealOffset())
                .setInputMode(mode)
                .setUploadedFile(uploadedFile)
                .setJobName(null)
                .setState(JobState.SUBMITTING)
                .setCreatedAt(previous == null ? now : previous.getCreatedAt())
                .setUpdatedAt(now);
        return b.build();
    }

    /** True when writing {@code next} would tell the poller nothing that {@code current} does not. */
    static boolean sameIntent(BatchJob current, BatchJob next) {
        return current != null
                && current.getState() == JobState.SUBMITTING
                && current.getJobName() == null
                && current.getInputMode() == next.getInputMode()
                && java.util.Objects.equals(current.getUploadedFile(), next.getUploadedFile())
                && current.getItemCount() == next.getItemCount()
                && current.getItemBytes() == next.getItemBytes()
                && current.getFirstItemOffset() == next.getFirstItemOffset()
                && current.getLastItemOffset() == next.getLastItemOffset()
                && current.getItemsPartition() == next.getItemsPartition();
    }

    /** The intent with the job the API created (or the one found by displayName), in the state the API gave. */
    static BatchJob withJob(BatchJob intent, BatchJobInfo job, Instant now) {
        BatchJob.Builder b = BatchJob.newBuilder(intent)
                .setJobName(job.name())
                .setState(state(job.state()))
                .setSubmittedAt(job.createTime().orElse(now))
                .setUpdatedAt(now);
        if (job.state().isTerminal()) {
            b.setEndedAt(job.endTime().orElse(now));
        }
        job.error()
                .ifPresent(e -> b.setError(Error.newBuilder()
                        .setCode(e.status().isEmpty() ? ErrorCode.JOB_FAILED.code() : e.status())
                        .setMessage(e.message())
                        .setHttpStatus(e.code() == 0 ? null : e.code())
                        .build()));
        return b.build();
    }

    /**
     * No job will be made for this batch: FAILED with the reason and no job name. The poller answers every item
     * of the batch (found in genai.batches between firstItemOffset and lastItemOffset) with a terminal response.
     */
    static BatchJob failed(
            SealedBatch batch,
            BatchJob intent,
            InputMode mode,
            ErrorCode code,
            String message,
            Integer httpStatus,
            Instant now) {
        BatchJob base = intent != null ? intent : intent(batch, mode, null, null, now);
        return BatchJob.newBuilder(base)
                .setJobName(null)
                .setState(JobState.FAILED)
                .setError(Error.newBuilder()
                        .setCode(code.code())
                        .setMessage(message)
                        .setHttpStatus(httpStatus)
                        .build())
                .setUpdatedAt(now)
                .setEndedAt(now)
                .build();
    }

    /** The API's state as a job record state: a state we do not know yet counts as PENDING (the poller asks again). */
    static JobState state(BatchState state) {
        return switch (state) {
            case RUNNING -> JobState.RUNNING;
            case SUCCEEDED -> JobState.SUCCEEDED;
            case FAILED -> JobState.FAILED;
            case CANCELLED -> JobState.CANCELLED;
            case EXPIRED -> JobState.EXPIRED;
            case PENDING, UNSPECIFIED, UNKNOWN -> JobState.PENDING;
        };
    }
}
