package io.genaibatch.poll;

import io.genaibatch.batch.Lineage;
import io.genaibatch.batch.Lineage.ItemsRange;
import io.genaibatch.records.BatchJob;

/** Where a job's items are on genai.batches. */
final class JobItems {
    private JobItems() {}

    /**
     * A child made from a range of its parent's items reads them there (its lineage says where); any other batch
     * reads its own items, between its first item and its seal.
     *
     * @throws IllegalStateException for a child batch whose records lost their lineage header: its items cannot be
     *                               found, and answering it from an empty range would leave its requests unanswered
     */
    static ItemsRange of(BatchJob job, Lineage lineage) {
        if (lineage.items() != null) {
            return lineage.items();
        }
        if (job.getParentBatchId() != null && lineage.isRoot()) {
            throw new IllegalStateException("batch " + job.getBatchId() + " is a child of " + job.getParentBatchId()
                    + " but its genai.jobs record carries no " + Lineage.HEADER + " header, so where its items are "
                    + "cannot be told; it is left open. Was the record rewritten by a tool that drops headers?");
        }
        return new ItemsRange(
                job.getBatchId(), job.getItemsPartition(), job.getFirstItemOffset(), job.getLastItemOffset());
    }
}
