package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.gemini.BatchOutput;
import io.genaibatch.gemini.BatchState;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.JobState;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a job's record keeps of the stuck marker the poller writes before cancelling it. */
class JobStateTransitionTest {
    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    private final BatchJob stuck = PollerJobRecords.stuck(
            JobTableTest.job("b-1", "batches/j", JobState.RUNNING, 0), "still RUNNING after 36h", NOW);

    @Test
    void shouldKeepTheStuckMarkerWhenTheJobItCancelledEndsCancelled() {
        BatchJob cancelled = PollerJobRecords.transition(stuck, JobState.CANCELLED, info(BatchState.CANCELLED), NOW);

        assertThat(cancelled.getError().getCode()).isEqualTo(ErrorCode.JOB_STUCK.code());
        assertThat(JobPolicy.named("retrying", PolicySettings.defaults()).onFinished(cancelled))
                .as("split, not answered CANCELLED")
                .isInstanceOf(JobPolicy.Split.class);
    }

    @Test
    void shouldDropTheStuckMarkerWhenTheJobSucceededAfterAll() {
        BatchJob succeeded = PollerJobRecords.transition(stuck, JobState.SUCCEEDED, info(BatchState.SUCCEEDED), NOW);

        assertThat(succeeded.getError()).isNull();
    }

    @Test
    void shouldTakeTheApisErrorWhenTheStuckJobFailedInstead() {
        BatchJob failed = PollerJobRecords.transition(stuck, JobState.FAILED, info(BatchState.FAILED), NOW);

        assertThat(failed.getError().getCode())
                .as("no error from the API: the state's own")
                .isEqualTo("JOB_FAILED");
    }

    private static BatchJobInfo info(BatchState state) {
        return new BatchJobInfo(
                "batches/j",
                "b-1",
                state,
                "models/m",
                Optional.empty(),
                Optional.empty(),
                Optional.of(NOW),
                Optional.empty(),
                Optional.empty(),
                new BatchOutput(Optional.empty(), -1));
    }
}
