package io.genaibatch.poll;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.gemini.BatchState;
import io.genaibatch.gemini.BatchStats;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.Error;
import io.genaibatch.records.JobState;
import io.genaibatch.records.JobStats;
import java.time.Instant;
import java.util.Optional;

/** The BatchJob records the poller writes: state changes, publication progress, PUBLISHED. */
final class PollerJobRecords {
    private PollerJobRecords() {}

    /** Our state for the API's; empty for a state that says nothing new (unspecified, or unknown to this code). */
    static Optional<JobState> stateOf(BatchState state) {
        return switch (state) {
            case PENDING -> Optional.of(JobState.PENDING);
            case RUNNING -> Optional.of(JobState.RUNNING);
            case SUCCEEDED -> Optional.of(JobState.SUCCEEDED);
            case FAILED -> Optional.of(JobState.FAILED);
            case CANCELLED -> Optional.of(JobState.CANCELLED);
            case EXPIRED -> Optional.of(JobState.EXPIRED);
            case UNSPECIFIED, UNKNOWN -> Optional.empty();
        };
    }

    static boolean isFinished(JobState state) {
        return state == JobState.SUCCEEDED
                || state == JobState.FAILED
                || state == JobState.EXPIRED
                || state == JobState.CANCELLED;
    }

    /**
     * The job moved to {@code next} at the API, as {@code info} describes it. A job the poller cancelled as stuck
     * keeps its JOB_STUCK error when it becomes CANCELLED: that is how the policy knows the cancel was not an
     * operator's.
     */
    static BatchJob transition(BatchJob job, JobState next, BatchJobInfo info, Instant now) {
        BatchJob.Builder b = BatchJob.newBuilder(job).setState(next).setUpdatedAt(now);
        info.stats().map(PollerJobRecords::stats).ifPresent(b::setStats);
        boolean cancelledAsStuck = next == JobState.CANCELLED
                && job.getError() != null
                && ErrorCode.JOB_STUCK.is(job.getError().getCode());
        if (isFinished(next)) {
            b.setEndedAt(info.endTime().orElse(now));
            if (next == JobState.SUCCEEDED) {
                b.setError(null);
            } else if (cancelledAsStuck) {
                return b.build();
            } else {
                BatchJob ended = b.build();
                Error error = info.error().map(JobErrors::of).orElseGet(() -> JobErrors.forState(ended));
                return BatchJob.newBuilder(ended).setError(error).build();
            }
        }
        return b.build();
    }

    /** The poller is about to cancel the job as stuck: same state, error JOB_STUCK saying why. */
    static BatchJob stuck(BatchJob job, String message, Instant now) {
        return BatchJob.newBuilder(job)
                .setUpdatedAt(now)
                .setError(new Error(ErrorCode.JOB_STUCK.code(), message, null))
                .build();
    }

    /** The job no longer exists at the API: it can produce no result, so it counts as FAILED. */
    static BatchJob vanished(BatchJob job, String message, Instant now) {
        return BatchJob.newBuilder(job)
                .setState(JobState.FAILED)
                .setUpdatedAt(now)
                .setEndedAt(now)
                .setError(new Error(ErrorCode.JOB_NOT_FOUND.code(), message, 404))
                .build();
    }

    /** {@code publishedThrough} items are published; {@code done}: all of them, the job becomes PUBLISHED. */
    static BatchJob progress(BatchJob job, long publishedThrough, boolean done, Instant now) {
        BatchJob.Builder b =
                BatchJob.newBuilder(job).setPublishedThrough(publishedThrough).setUpdatedAt(now);
        if (done) {
            b.setState(JobState.PUBLISHED);
        }
        return b.build();
    }

    static JobStats stats(BatchStats s) {
        return new JobStats(
                s.requestCount(), s.successfulRequestCount(), s.failedRequestCount(), s.pendingRequestCount());
    }
}
