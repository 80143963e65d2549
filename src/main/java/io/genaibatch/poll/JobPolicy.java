package io.genaibatch.poll;

import java.util.Objects;

import io.genaibatch.gemini.ApiError;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.Error;
import io.genaibatch.records.ResponseStatus;

/**
 * What a finished job, and each request in it that got no good result, becomes. Like Kafka Streams'
 * {@code DeserializationExceptionHandler}: one small interface, stock implementations named in
 * {@code poll.policy}. The stock {@link TerminalJobPolicy} answers every request at once; the reliability work
 * adds decisions (resubmit a FAILED job, split an EXPIRED one, re-batch retriable errors and missing results) as
 * new variants of {@link JobDecision} and {@link ItemDecision}, without touching the poller's publication.
 *
 * <p>Implementations are called on the poller thread and must be quick and side-effect free: the poller may ask
 * the same question again after a restart and must get the same answer (that is what makes a resumed
 * publication line up with the one that crashed).
 */
interface JobPolicy {

    /**
     * The job reached a terminal API state (SUCCEEDED, FAILED, EXPIRED or CANCELLED, in {@code job.getState()},
     * with the API's error in {@code job.getError()} when it gave one).
     */
    JobDecision onFinished(BatchJob job);

    /** A request of a SUCCEEDED job that the API answered with an error of its own (the whole item: a policy that re-batches needs it). */
    ItemDecision onRequestError(BatchJob job, BatchItem item, ApiError error);

    /** A request of a SUCCEEDED job with no usable result: none carried its line key, or several did. */
    ItemDecision onUnanswered(BatchJob job, BatchItem item, Unanswered cause);

    /** Why a request of a SUCCEEDED job has no result attached to it. */
    enum Unanswered {
        /** No result carried the request's key (dropped by the service, or returned without its key). */
        RESULT_MISSING,
        /** Several results carried the key: which one is the request's cannot be told, so none is attached. */
        RESULT_DUPLICATED
    }

    /** What to publish for a finished job. */
    sealed interface JobDecision {
    }

    /** Publish the job's results, one response per request. Only for SUCCEEDED jobs. */
    record PublishResults() implements JobDecision {
    }

    /** Answer every request of the batch with this status and error (no results are read). */
    record AnswerEveryRequest(ResponseStatus status, Error error) implements JobDecision {
        public AnswerEveryRequest {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(error, "error");
        }
    }

    /** What to publish for one request without a good result. */
    sealed interface ItemDecision {
    }

    /** A terminal response with this status and error. */
    record Answer(ResponseStatus status, Error error) implements ItemDecision {
        public Answer {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(error, "error");
        }
    }

    /** The policy named in poll.policy. */
    static JobPolicy named(String name) {
        return switch (name) {
            case TerminalJobPolicy.NAME -> new TerminalJobPolicy();
            default -> throw new IllegalArgumentException("unknown poll.policy '" + name + "': expected "
                    + TerminalJobPolicy.NAME);
        };
    }
}
