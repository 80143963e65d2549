package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.gemini.ApiError;
import io.genaibatch.poll.JobPolicy.Answer;
import io.genaibatch.poll.JobPolicy.AnswerEveryRequest;
import io.genaibatch.poll.JobPolicy.PublishResults;
import io.genaibatch.poll.JobPolicy.Rebatch;
import io.genaibatch.poll.JobPolicy.Resubmit;
import io.genaibatch.poll.JobPolicy.Split;
import io.genaibatch.poll.JobPolicy.Unanswered;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.Error;
import io.genaibatch.records.JobState;
import io.genaibatch.records.ResponseStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryingJobPolicyTest {
    private static final Instant ENDED = Instant.parse("2026-12-04T10:00:00Z");
    private final JobPolicy policy = JobPolicy.named(
            "retrying",
            new PolicySettings(
                    3,
                    Duration.ofSeconds(30),
                    Duration.ofMinutes(2),
                    Duration.ofHours(36),
                    PolicySettings.codes("429, 503,UNAVAILABLE"),
                    false));
    private final BatchItem item = ItemIndexTest.item("r-1", "k-1");

    @Test
    void shouldResubmitAFailedJobWithABackoffThatDoublesPerAttemptUpToItsMaximum() {
        Resubmit first = (Resubmit) policy.onFinished(job(JobState.FAILED, 1, new Error("INTERNAL", "boom", 500)));
        assertThat(first.notBefore()).isEqualTo(ENDED.plusSeconds(30));
        assertThat(first.reason()).isEqualTo("INTERNAL");
        Resubmit second = (Resubmit) policy.onFinished(job(JobState.FAILED, 2, null));
        assertThat(second.notBefore()).isEqualTo(ENDED.plusSeconds(60));
        assertThat(second.reason()).as("a FAILED job without the API's reason").isEqualTo("JOB_FAILED");

        PolicySettings longRun = new PolicySettings(
                10, Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofHours(1), Set.of(), false);
        assertThat(longRun.resubmitAt(ENDED, 9)).as("capped").isEqualTo(ENDED.plus(Duration.ofMinutes(2)));
    }

    @Test
    void shouldResubmitAJobThatVanishedAtTheApi() {
        assertThat(policy.onFinished(job(JobState.FAILED, 1, new Error("JOB_NOT_FOUND", "gone", 404))))
                .isInstanceOf(Resubmit.class);
    }

    @Test
    void shouldAnswerFailedWithTheLastErrorAndTheAttemptCountOnceTheAttemptsAreSpent() {
        AnswerEveryRequest last =
                (AnswerEveryRequest) policy.onFinished(job(JobState.FAILED, 3, new Error("INTERNAL", "boom", 500)));
        assertThat(last.status()).isEqualTo(ResponseStatus.FAILED);
        assertThat(last.error().getCode()).isEqualTo("INTERNAL");
        assertThat(last.error().getMessage()).startsWith("boom").contains("final after 3 attempts");
        assertThat(last.error().getHttpStatus()).isEqualTo(500);
    }

    @Test
    void shouldSplitAnExpiredJobAndResubmitASingleRequestUntilTheAttemptsAreSpent() {
        Split split = (Split) policy.onFinished(job(JobState.EXPIRED, 5, null));
        assertThat(split.reason())
                .as("splitting is not bounded by the attempts")
                .isEqualTo("JOB_EXPIRED");
        AnswerEveryRequest spent = (AnswerEveryRequest) split.single();
        assertThat(spent.status()).isEqualTo(ResponseStatus.EXPIRED);
        assertThat(spent.error().getMessage()).contains("final after 5 attempts");

        Split early = (Split) policy.onFinished(job(JobState.EXPIRED, 2, null));
        assertThat(early.single())
                .as("a single request that expired is not its own fault: sent again")
                .isEqualTo(new Resubmit(ENDED.plusSeconds(60), "JOB_EXPIRED"));
    }

    @Test
    void shouldSplitAJobItCancelledAsStuckButAnswerAnOperatorsCancel() {
        Split stuck = (Split) policy.onFinished(job(JobState.CANCELLED, 3, new Error("JOB_STUCK", "stuck", null)));
        assertThat(((AnswerEveryRequest) stuck.single()).status()).isEqualTo(ResponseStatus.EXPIRED);
        AnswerEveryRequest cancelled = (AnswerEveryRequest) policy.onFinished(job(JobState.CANCELLED, 1, null));
        assertThat(cancelled.status()).isEqualTo(ResponseStatus.CANCELLED);
        assertThat(cancelled.error().getCode()).isEqualTo("JOB_CANCELLED");
    }

    @Test
    void shouldSplitACreateRefusedForItsContentAndAnswerOtherRefusalsAtOnce() {
        Split content = (Split) policy.onFinished(noJob(new Error("CREATE_REFUSED", "bad request", 400)));
        AnswerEveryRequest single = (AnswerEveryRequest) content.single();
        assertThat(single.status())
                .as("the offending request alone gets the API's message")
                .isEqualTo(ResponseStatus.ERROR);
        assertThat(single.error().getMessage()).isEqualTo("bad request");
        AnswerEveryRequest unknownModel =
                (AnswerEveryRequest) policy.onFinished(noJob(new Error("CREATE_REFUSED", "no such model", 404)));
        assertThat(unknownModel.status()).isEqualTo(ResponseStatus.FAILED);
        assertThat(policy.onFinished(noJob(new Error("SEAL_MISMATCH", "x", null))))
                .isInstanceOf(AnswerEveryRequest.class);
    }

    @Test
    void shouldHoldWhatIsSpentWhenOnExhaustedIsHold() {
        JobPolicy holding = JobPolicy.named(
                "retrying",
                new PolicySettings(
                        3, Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofHours(36), Set.of(), true));

        JobPolicy.Hold failed = (JobPolicy.Hold) holding.onFinished(job(JobState.FAILED, 3, null));
        assertThat(failed.answer().status()).isEqualTo(ResponseStatus.FAILED);
        Split expired = (Split) holding.onFinished(job(JobState.EXPIRED, 3, null));
        assertThat(expired.single()).as("an expired single request is held too").isInstanceOf(JobPolicy.Hold.class);
        assertThat(holding.onFinished(job(JobState.FAILED, 2, null)))
                .as("not spent yet")
                .isInstanceOf(Resubmit.class);
        Split refused = (Split) holding.onFinished(noJob(new Error("CREATE_REFUSED", "bad request", 400)));
        assertThat(refused.single()).as("a refused request has its answer").isInstanceOf(AnswerEveryRequest.class);
    }

    @Test
    void shouldPublishTheResultsOfASucceededJob() {
        assertThat(policy.onFinished(job(JobState.SUCCEEDED, 1, null))).isInstanceOf(PublishResults.class);
    }

    @Test
    void shouldRebatchRetriableRequestErrorsByCodeOrStatusUntilTheAttemptsAreSpent() {
        BatchJob first = job(JobState.SUCCEEDED, 1, null);
        assertThat(policy.onRequestError(first, item, new ApiError(503, "", "overloaded")))
                .isInstanceOf(Rebatch.class);
        assertThat(policy.onRequestError(first, item, new ApiError(0, "UNAVAILABLE", "overloaded")))
                .isInstanceOf(Rebatch.class);
        assertThat(policy.onRequestError(first, item, new ApiError(429, "RESOURCE_EXHAUSTED", "quota")))
                .isInstanceOf(Rebatch.class);
        Answer notRetriable = (Answer) policy.onRequestError(first, item, new ApiError(400, "INVALID_ARGUMENT", "no"));
        assertThat(notRetriable.status()).isEqualTo(ResponseStatus.ERROR);
        assertThat(notRetriable.error().getCode()).isEqualTo("INVALID_ARGUMENT");

        Answer spent = (Answer) policy.onRequestError(
                job(JobState.SUCCEEDED, 3, null), item, new ApiError(503, "UNAVAILABLE", "overloaded"));
        assertThat(spent.error().getCode()).isEqualTo("UNAVAILABLE");
        assertThat(spent.error().getMessage()).contains("final after 3 attempts");
    }

    @Test
    void shouldRebatchMissingAndDuplicatedResultsThenNameTheCause() {
        assertThat(policy.onUnanswered(job(JobState.SUCCEEDED, 2, null), item, Unanswered.RESULT_MISSING))
                .isEqualTo(new Rebatch("RESULT_MISSING"));
        Answer spent =
                (Answer) policy.onUnanswered(job(JobState.SUCCEEDED, 3, null), item, Unanswered.RESULT_DUPLICATED);
        assertThat(spent.error().getCode()).isEqualTo("RESULT_DUPLICATED");
        assertThat(spent.error().getMessage()).contains("final after 3 attempts");
    }

    @Test
    void shouldTakeAJobForStuckOnlyPastStuckAfterAndOnlyWhileItRuns() {
        BatchJob running = BatchJob.newBuilder(job(JobState.RUNNING, 1, null))
                .setSubmittedAt(ENDED)
                .build();
        assertThat(policy.isStuck(running, ENDED.plus(Duration.ofHours(35)))).isFalse();
        assertThat(policy.isStuck(running, ENDED.plus(Duration.ofHours(37)))).isTrue();
        assertThat(policy.isStuck(
                        BatchJob.newBuilder(running)
                                .setState(JobState.SUCCEEDED)
                                .build(),
                        ENDED.plus(Duration.ofHours(37))))
                .isFalse();
        assertThat(JobPolicy.named("terminal", PolicySettings.defaults())
                        .isStuck(running, ENDED.plus(Duration.ofDays(30))))
                .as("the terminal policy never gives up")
                .isFalse();
    }

    private static BatchJob job(JobState state, int attempt, Error error) {
        return BatchJob.newBuilder(JobTableTest.job("b-1", "batches/j", state, 0))
                .setAttempt(attempt)
                .setEndedAt(ENDED)
                .setError(error)
                .build();
    }

    private static BatchJob noJob(Error error) {
        return BatchJob.newBuilder(job(JobState.FAILED, 1, error))
                .setJobName(null)
                .setItemCount(8)
                .build();
    }
}
