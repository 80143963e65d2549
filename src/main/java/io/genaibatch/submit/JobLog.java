package io.genaibatch.submit;

import io.genaibatch.records.BatchJob;

/**
 * How a {@link Submission} writes to genai.jobs. Every write goes through the one thread that owns the
 * consumer and the transactional producer, because a job record commits together with genai.batches offsets,
 * and only that thread may read the consumer's position and group metadata.
 */
interface JobLog {

    /**
     * Writes the SUBMITTING intent of {@code batch} (with its lineage header) and returns once its transaction is
     * committed, so that a create sent after this returns can always be found again by displayName.
     *
     * @throws NotWritten when the intent was not committed (the partition moved, the transaction aborted, the
     *                    role is stopping): the caller must not create
     */
    void writeIntent(SealedBatch batch, BatchJob intent) throws InterruptedException, NotWritten;

    /**
     * Hands over the batch's final submitter record (job name set, or FAILED without a job), written with the
     * batch's lineage header. It is committed with
     * the genai.batches offsets it allows, after which the batch no longer counts as in flight. Does not block.
     */
    void record(SealedBatch batch, BatchJob job);

    /** The intent was not committed; nothing may be created on its strength. */
    final class NotWritten extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean partitionGone;

        NotWritten(String message, boolean partitionGone, Throwable cause) {
            super(message, cause);
            this.partitionGone = partitionGone;
        }

        /** True when this instance no longer owns the batch's partition: stop working on the batch. */
        boolean partitionGone() {
            return partitionGone;
        }
    }
}
