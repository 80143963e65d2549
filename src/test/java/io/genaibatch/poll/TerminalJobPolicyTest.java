package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genaibatch.gemini.ApiError;
import io.genaibatch.poll.JobPolicy.Answer;
import io.genaibatch.poll.JobPolicy.AnswerEveryRequest;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.Error;
import io.genaibatch.records.JobState;
import io.genaibatch.records.ResponseStatus;
import org.junit.jupiter.api.Test;

class TerminalJobPolicyTest {
    private final JobPolicy policy = JobPolicy.named("terminal", PolicySettings.defaults());

    @Test
    void shouldPublishTheResultsOfASucceededJob() {
        assertThat(policy.onFinished(job(JobState.SUCCEEDED, null))).isInstanceOf(JobPolicy.PublishResults.class);
    }

    @Test
    void shouldAnswerEveryRequestOfAJobThatEndedWithoutResults() {
        Error apiError = new Error("INTERNAL", "backend fell over", 500);
        assertThat(policy.onFinished(job(JobState.FAILED, apiError)))
                .isEqualTo(new AnswerEveryRequest(ResponseStatus.FAILED, apiError));
        AnswerEveryRequest expired = (AnswerEveryRequest) policy.onFinished(job(JobState.EXPIRED, null));
        assertThat(expired.status()).isEqualTo(ResponseStatus.EXPIRED);
        assertThat(expired.error().getCode()).isEqualTo("JOB_EXPIRED");
        AnswerEveryRequest failed = (AnswerEveryRequest) policy.onFinished(job(JobState.FAILED, null));
        assertThat(failed.error().getCode())
                .as("a FAILED job without a reason still says so")
                .isEqualTo("JOB_FAILED");
        AnswerEveryRequest cancelled = (AnswerEveryRequest) policy.onFinished(job(JobState.CANCELLED, null));
        assertThat(cancelled.status()).isEqualTo(ResponseStatus.CANCELLED);
        assertThat(cancelled.error().getMessage()).contains("batches/j").contains("b-1");
        assertThatThrownBy(() -> policy.onFinished(job(JobState.RUNNING, null))).hasMessageContaining("not finished");
    }

    @Test
    void shouldAnswerEachRequestWithoutAGoodResultWithAnErrorNamingTheCause() {
        BatchJob job = job(JobState.SUCCEEDED, null);
        Answer error = (Answer) policy.onRequestError(job, item("r-1", 1), new ApiError(429, "", "quota"));
        assertThat(error.status()).isEqualTo(ResponseStatus.ERROR);
        assertThat(error.error().getCode())
                .as("status name from the code when the SDK dropped it")
                .isEqualTo("RESOURCE_EXHAUSTED");
        assertThat(error.error().getHttpStatus()).isEqualTo(429);

        Answer missing = (Answer) policy.onUnanswered(job, item("r-2", 2), JobPolicy.Unanswered.RESULT_MISSING);
        assertThat(missing.error().getCode()).isEqualTo("RESULT_MISSING");
        assertThat(missing.error().getMessage())
                .as("names the line key and the caller's requestId")
                .contains("genai.requests-0-2")
                .contains("r-2")
                .contains("batches/j");
        Answer duplicated = (Answer) policy.onUnanswered(job, item("r-3", 3), JobPolicy.Unanswered.RESULT_DUPLICATED);
        assertThat(duplicated.error().getCode()).isEqualTo("RESULT_DUPLICATED");
    }

    @Test
    void shouldRefuseAnUnknownPolicyName() {
        assertThatThrownBy(() -> JobPolicy.named("resubmit", PolicySettings.defaults()))
                .hasMessageContaining("unknown poll.policy 'resubmit'");
    }

    private static io.genaibatch.records.BatchItem item(String requestId, long offset) {
        return io.genaibatch.records.BatchItem.newBuilder()
                .setRequestId(requestId)
                .setKey(java.nio.ByteBuffer.wrap(requestId.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .setModel("gemini-2.5-flash")
                .setKind(io.genaibatch.records.RequestKind.GENERATE)
                .setRequest("{}")
                .setRequestBytes(10)
                .setSourceTopic("genai.requests")
                .setSourcePartition(0)
                .setSourceOffset(offset)
                .setReceivedAt(java.time.Instant.EPOCH)
                .build();
    }

    private static BatchJob job(JobState state, Error error) {
        return BatchJob.newBuilder(JobTableTest.job("b-1", "batches/j", state, 0))
                .setError(error)
                .build();
    }
}
