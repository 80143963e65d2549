package io.genaibatch.poll;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.gemini.ApiError;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.Error;
import io.genaibatch.records.ResponseStatus;
import java.util.Objects;

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

    /**
     * A request of a SUCCEEDED job with no usable result: none carried its line key, several did, or the one that did
     * has neither a response nor an error (our finding, not an error the API gave).
     */
    ItemDecision onUnanswered(BatchJob job, BatchItem item, Unanswered cause);

    /** Why a request of a SUCCEEDED job has no result attached to it. */
    enum Unanswered {
        /** No result carried the request's key (dropped by the service, or returned without its key). */
        RESULT_MISSING(ErrorCode.RESULT_MISSING),
        /** Several results carried the key: which one is the request's cannot be told, so none is attached. */
        RESULT_DUPLICATED(ErrorCode.RESULT_DUPLICATED),
        /** The result carrying the key has neither a response nor an error object: it answers nothing. */
        RESULT_UNREADABLE(ErrorCode.RESULT_UNREADABLE);

        private final ErrorCode code;

        Unanswered(ErrorCode code) {
            this.code = code;
        }

        /** The code of the request's answer when it is not re-batched. */
        ErrorCode code() {
            return code;
        }
    }

    /** What to publish for a finished job. */
    sealed interface JobDecision {}

    /** Publish the job's results, one response per request. Only for SUCCEEDED jobs. */
    record PublishResults() implements JobDecision {}

    /**
     * Submit every request of the batch again, as a new attempt (a child batch {@code <batchId>.a<attempt>} over the
     * same items), not before {@code notBefore}.
     */
    record Resubmit(java.time.Instant notBefore, String reason) implements JobDecision {
        public Resubmit {
            Objects.requireNonNull(notBefore, "notBefore");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Split the batch into two halves ({@code <batchId>.s0}, {@code .s1}) and submit both. A batch found to hold a
     * single request cannot be split: {@code single} is done instead (an answer, or a hold).
     */
    record Split(String reason, JobDecision single) implements JobDecision {
        public Split {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(single, "single");
        }
    }

    /**
     * The retries are spent and poll.on-exhausted=hold: keep the batch open, answering nothing, until an operator
     * asks for one more attempt or for {@code answer}.
     */
    record Hold(AnswerEveryRequest answer) implements JobDecision {
        public Hold {
            Objects.requireNonNull(answer, "answer");
        }
    }

    /**
     * Copy every request not handled yet into the batch's re-batch child. Not a policy's answer: what the
     * publisher makes of a decision over the whole batch (resubmit, split) once part of it was answered or copied,
     * so that no request is handled twice.
     */
    record RebatchTheRest(String reason) implements JobDecision {
        public RebatchTheRest {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Answer every request of the batch with this status and error (no results are read). */
    record AnswerEveryRequest(ResponseStatus status, Error error) implements JobDecision {
        public AnswerEveryRequest {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(error, "error");
        }
    }

    /** What to publish for one request without a good result. */
    sealed interface ItemDecision {}

    /** A terminal response with this status and error. */
    record Answer(ResponseStatus status, Error error) implements ItemDecision {
        public Answer {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(error, "error");
        }
    }

    /**
     * Submit the request again in the job's re-batch child ({@code <batchId>.r<attempt>}), together with every
     * other request of the job that got this decision.
     */
    record Rebatch(String reason) implements ItemDecision {
        public Rebatch {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Whether {@link #onRequestError} or {@link #onUnanswered} may answer {@link Rebatch}. */
    default boolean rebatches() {
        return false;
    }

    /**
     * Whether a job still PENDING or RUNNING at {@code now} is to be cancelled as stuck (and then split). The
     * terminal policy never gives up on a running job.
     */
    default boolean isStuck(BatchJob job, java.time.Instant now) {
        return false;
    }

    /** The policy named in poll.policy. */
    static JobPolicy named(String name, PolicySettings settings) {
        return switch (name) {
            case TerminalJobPolicy.NAME -> new TerminalJobPolicy();
            case RetryingJobPolicy.NAME -> new RetryingJobPolicy(settings);
            default ->
                throw new IllegalArgumentException("unknown poll.policy '" + name + "': expected "
                        + RetryingJobPolicy.NAME + " or " + TerminalJobPolicy.NAME);
        };
    }
}
