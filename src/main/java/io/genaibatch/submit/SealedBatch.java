package io.genaibatch.submit;

import io.genaibatch.batch.Lineage;
import io.genaibatch.records.RequestKind;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * A batch whose seal was read: what a {@link Submission} turns into a job. Its items are in its spool file, or,
 * for a range child ({@link #isRange()}), still on genai.batches in the range its lineage names: the submission
 * spools them on a worker before anything else.
 *
 * @param itemCount       items spooled (equal to the seal's count, checked before a batch becomes this); for a
 *                        range child, the seal's count, checked once the range is spooled
 * @param itemBytes       bytes spooled (equal to the seal's bytes); for a range child, the seal's bytes
 * @param partition       genai.batches partition holding the batch's seal (and its items)
 * @param firstItemOffset offset of its first item (for a range child: the start of the range)
 * @param sealOffset      offset of its seal (the job record's lastItemOffset)
 * @param lineage         where the batch comes from; {@link Lineage#root} for a batch the accumulator made
 */
record SealedBatch(
        String batchId,
        String groupKey,
        String model,
        RequestKind kind,
        int itemCount,
        long itemBytes,
        int partition,
        long firstItemOffset,
        long sealOffset,
        Path spool,
        Instant sealedAt,
        Lineage lineage) {
    SealedBatch {
        Objects.requireNonNull(batchId, "batchId");
        Objects.requireNonNull(groupKey, "groupKey");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(spool, "spool");
        Objects.requireNonNull(sealedAt, "sealedAt");
        lineage = lineage == null ? Lineage.root(batchId) : lineage;
    }

    /** A batch the accumulator made. */
    SealedBatch(
            String batchId,
            String groupKey,
            String model,
            RequestKind kind,
            int itemCount,
            long itemBytes,
            int partition,
            long firstItemOffset,
            long sealOffset,
            Path spool,
            Instant sealedAt) {
        this(
                batchId,
                groupKey,
                model,
                kind,
                itemCount,
                itemBytes,
                partition,
                firstItemOffset,
                sealOffset,
                spool,
                sealedAt,
                null);
    }

    /**
     * True when the batch's items are a range of another batch's items ({@code lineage.items()}): no record
     * before the seal carries this batch's id, so they are read from the range after the seal.
     */
    boolean isRange() {
        return lineage.items() != null;
    }

    /**
     * The lowest offset of its partition that consumption must restart from for this batch to be read again
     * after a crash, i.e. what holds the committed offset while it has no job record: its first item, or for a
     * range child its seal. A range may start far below what is already committed (a parent's items), and the
     * seal alone brings the range back, so holding at the range's start would move the offset backwards.
     */
    long rereadFrom() {
        return isRange() ? sealOffset : firstItemOffset;
    }
}
