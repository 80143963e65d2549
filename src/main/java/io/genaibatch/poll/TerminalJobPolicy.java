package io.genaibatch.poll;

import io.genaibatch.batch.LineKey;
import io.genaibatch.gemini.ApiError;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.Error;
import io.genaibatch.records.ResponseStatus;

/**
 * {@code poll.policy=terminal}: no retry of any kind, every request gets its terminal response from this job.
 * SUCCEEDED publishes the results (a per-request error as ERROR, a request without a result as ERROR naming the
 * cause); FAILED, EXPIRED and CANCELLED answer every request with that status and the job's error.
 */
final class TerminalJobPolicy implements JobPolicy {
    static final String NAME = "terminal";

    @Override
    public JobDecision onFinished(BatchJob job) {
        return switch (job.getState()) {
            case SUCCEEDED -> new PublishResults();
            case FAILED -> new AnswerEveryRequest(ResponseStatus.FAILED, JobErrors.orDefault(job));
            case EXPIRED -> new AnswerEveryRequest(ResponseStatus.EXPIRED, JobErrors.orDefault(job));
            case CANCELLED -> new AnswerEveryRequest(ResponseStatus.CANCELLED, JobErrors.orDefault(job));
            default ->
                throw new IllegalArgumentException("batch " + job.getBatchId() + " job " + job.getJobName() + " is "
                        + job.getState() + ", not finished: nothing to decide");
        };
    }

    @Override
    public ItemDecision onRequestError(BatchJob job, BatchItem item, ApiError error) {
        return new Answer(ResponseStatus.ERROR, JobErrors.of(error));
    }

    @Override
    public ItemDecision onUnanswered(BatchJob job, BatchItem item, Unanswered cause) {
        String key = LineKey.of(item) + " (request " + item.getRequestId() + ")";
        String message = switch (cause) {
            case RESULT_MISSING ->
                "batch job " + job.getJobName() + " (batch " + job.getBatchId()
                        + ") SUCCEEDED but returned no result carrying the key " + key
                        + " (the service dropped it, or returned it without its key); resubmit the request";
            case RESULT_DUPLICATED ->
                "batch job " + job.getJobName() + " (batch " + job.getBatchId()
                        + ") returned several results under the key " + key
                        + ": which one answers the request cannot be told, so none was attached; resubmit the request";
            case RESULT_UNREADABLE ->
                "batch job " + job.getJobName() + " (batch " + job.getBatchId()
                        + ") returned a result under the key " + key + " with neither a response nor an error object"
                        + " (the line is in the job's output); resubmit the request";
        };
        return new Answer(ResponseStatus.ERROR, new Error(cause.code().code(), message, null));
    }
}
