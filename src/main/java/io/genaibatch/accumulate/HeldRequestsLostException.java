package io.genaibatch.accumulate;

import io.genaibatch.batch.ErrorCode;
import java.util.List;

/**
 * Thrown at the end of a release from the validate stage's punctuation when held requests could not be batched
 * (deleted by retention, the topic recreated, or failing when released again): Kafka Streams hands it to {@link RejectionHandler}, which answers
 * each of them with an ERROR response in the task's transaction, so an accepted request still gets one terminal
 * response. Thrown after every pointer of the release was handled, so nothing of the punctuation is skipped.
 */
final class HeldRequestsLostException extends RuntimeException {
    /** Why a held request could not be batched, as far as it decides whether publishing it again can help. */
    enum Reason {
        /** Deleted from the requests topic by retention while held: published again, it is batched. */
        RETENTION,
        /** Another record at its offset (the topic was recreated): the held one is gone, published again it is batched. */
        REPLACED,
        /** It no longer passes validation (a rule changed while it was held): published again, it is refused the same way. */
        INVALID,
        /** The accumulator threw on it (a bug): published again, it fails the same way. */
        FAILED
    }

    /** Why one held request cannot be batched: the reason, and the particulars for its answer and the log. */
    record Problem(Reason reason, String why) {}

    /** What the pointer kept of a lost request (enough to answer it under its key), and why it was lost. */
    record Lost(String model, String topic, int partition, long offset, byte[] key, long timestamp, Problem problem) {}

    private final transient List<Lost> lost;

    /** @param cause why the release stopped part-way, or null when it ran to the end */
    HeldRequestsLostException(List<Lost> lost, Throwable cause) {
        super(
                lost.size() + " held requests could not be batched; each is answered with "
                        + ErrorCode.HELD_REQUEST_LOST.code(),
                cause,
                false,
                false);
        this.lost = List.copyOf(lost);
    }

    List<Lost> lost() {
        return lost;
    }
}
