package io.genaibatch.submit;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

import io.genaibatch.records.RequestKind;

/**
 * A batch whose seal was read and whose items are all in its spool file: what a {@link Submission} turns into
 * a job.
 *
 * @param itemCount       items spooled (equal to the seal's count, checked before a batch becomes this)
 * @param itemBytes       bytes spooled (equal to the seal's bytes)
 * @param partition       genai.batches partition holding the batch
 * @param firstItemOffset offset of its first item
 * @param sealOffset      offset of its seal (the job record's lastItemOffset)
 */
record SealedBatch(String batchId, String groupKey, String model, RequestKind kind, int itemCount, long itemBytes,
                   int partition, long firstItemOffset, long sealOffset, Path spool, Instant sealedAt) {
    SealedBatch {
        Objects.requireNonNull(batchId, "batchId");
        Objects.requireNonNull(groupKey, "groupKey");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(spool, "spool");
        Objects.requireNonNull(sealedAt, "sealedAt");
    }
}
