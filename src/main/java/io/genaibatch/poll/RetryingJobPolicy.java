package io.genaibatch.poll;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.gemini.ApiError;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.Error;
import io.genaibatch.records.JobState;
import io.genaibatch.records.ResponseStatus;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code poll.policy=retrying}, the default: what the operating advice for the Batch API says to do by hand, done
 * without a human. FAILED (or vanished) jobs are resubmitted as new attempts with backoff; EXPIRED and stuck jobs
 * are split in two, down to single requests, and a single request that expired is resubmitted; a create refused for its content (400) is split to isolate the
 * offending requests; requests of a SUCCEEDED job with a retriable error or without a result are re-batched
 * together. When the attempts are spent, the answer is what {@link TerminalJobPolicy} would have given, saying how
 * many attempts were made. An operator's cancel is final.
 *
 * <p>Every decision is a function of the job record alone (state, error, attempt, end time, item count): a poller
 * that restarts takes the same decision and names the same children.
 */
final class RetryingJobPolicy implements JobPolicy {
    static final String NAME = "retrying";
    static final String RETRIABLE_ERRORS = "RETRIABLE_ERRORS";

    private final PolicySettings settings;
    private final TerminalJobPolicy terminal = new TerminalJobPolicy();

    RetryingJobPolicy(PolicySettings settings) {
        this.settings = settings;
    }

    @Override
    public JobDecision onFinished(BatchJob job) {
        Error error = JobErrors.orDefault(job);
        return switch (job.getState()) {
            case SUCCEEDED -> new PublishResults();
            case EXPIRED -> split(job, error, ResponseStatus.EXPIRED);
            case CANCELLED ->
                ErrorCode.JOB_STUCK.is(error.getCode())
                        ? split(job, error, ResponseStatus.EXPIRED)
                        : terminal.onFinished(job);
            case FAILED -> onFailed(job, error);
            default -> terminal.onFinished(job);
        };
    }

    private JobDecision onFailed(BatchJob job, Error error) {
        if (job.getJobName() == null) {
            // The submitter made no job. Only a refusal of the content can be narrowed down by splitting; the
            // others (unknown model, seal mismatch, upload refused) would fail the same way in every half.
            boolean contentRefused = ErrorCode.CREATE_REFUSED.is(error.getCode())
                    && error.getHttpStatus() != null
                    && error.getHttpStatus() == 400;
            return contentRefused ? split(job, error, ResponseStatus.ERROR) : terminal.onFinished(job);
        }
        if (job.getAttempt() >= settings.maxAttempts()) {
            return spent(new AnswerEveryRequest(ResponseStatus.FAILED, exhausted(error, job.getAttempt())));
        }
        return new Resubmit(settings.resubmitAt(endedAt(job), job.getAttempt()), error.getCode());
    }

    private Split split(BatchJob job, Error error, ResponseStatus single) {
        AnswerEveryRequest answer = new AnswerEveryRequest(single, error);
        if (single != ResponseStatus.EXPIRED) {
            // A single request refused for its content has its answer.
            return new Split(error.getCode(), answer);
        }
        // A single request that expired cannot be made smaller; its expiry is the service's delay, not the
        // request's fault, so it is resubmitted like a FAILED job while attempts remain.
        JobDecision alone = job.getAttempt() < settings.maxAttempts()
                ? new Resubmit(settings.resubmitAt(endedAt(job), job.getAttempt()), error.getCode())
                : spent(new AnswerEveryRequest(ResponseStatus.EXPIRED, exhausted(error, job.getAttempt())));
        return new Split(error.getCode(), alone);
    }

    private static Instant endedAt(BatchJob job) {
        return job.getEndedAt() != null ? job.getEndedAt() : job.getUpdatedAt();
    }

    /** The final answer of a batch whose retries are spent, or, with poll.on-exhausted=hold, a hold on it. */
    private JobDecision spent(AnswerEveryRequest answer) {
        return settings.holdExhausted() ? new Hold(answer) : answer;
    }

    @Override
    public ItemDecision onRequestError(BatchJob job, BatchItem item, ApiError error) {
        Error e = JobErrors.of(error);
        boolean retriable = settings.retriableCodes().contains(e.getCode())
                || settings.retriableCodes().contains(Integer.toString(error.code()));
        if (!retriable) {
            return terminal.onRequestError(job, item, error);
        }
        if (job.getAttempt() < settings.maxAttempts()) {
            return new Rebatch(RETRIABLE_ERRORS);
        }
        return new Answer(ResponseStatus.ERROR, exhausted(e, job.getAttempt()));
    }

    @Override
    public ItemDecision onUnanswered(BatchJob job, BatchItem item, Unanswered cause) {
        if (job.getAttempt() < settings.maxAttempts()) {
            return new Rebatch(cause.name());
        }
        Answer last = (Answer) terminal.onUnanswered(job, item, cause);
        return new Answer(last.status(), exhausted(last.error(), job.getAttempt()));
    }

    @Override
    public boolean rebatches() {
        return true;
    }

    @Override
    public boolean isStuck(BatchJob job, Instant now) {
        if (job.getState() != JobState.PENDING && job.getState() != JobState.RUNNING || job.getJobName() == null) {
            return false;
        }
        Instant submitted = JobTable.submittedAt(job);
        return Duration.between(submitted, now).compareTo(settings.stuckAfter()) > 0;
    }

    /** The last error, saying that it is final. */
    private static Error exhausted(Error last, int attempts) {
        if (attempts <= 1) {
            return last;
        }
        return new Error(
                last.getCode(),
                last.getMessage() + " [final after " + attempts + " attempts" + " (poll.max-attempts)]",
                last.getHttpStatus());
    }
}
