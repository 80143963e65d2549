package io.genaibatch.testkit;

import io.genaibatch.records.BatchSeal;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.SealReason;
import java.time.Instant;

/** The seal records of batches as the accumulator writes them to genai.batches, for tests that play the accumulator. */
public final class SealedBatches {
    private SealedBatches() {}

    /** The seal of a batch of {@code count} items, {@code bytes} bytes in all, sealed now for reaching max-requests. */
    public static BatchSeal seal(
            String groupKey, String model, RequestKind kind, int count, long bytes, Instant openedAt) {
        return BatchSeal.newBuilder()
                .setCount(count)
                .setBytes(bytes)
                .setReason(SealReason.MAX_REQUESTS)
                .setGroupKey(groupKey)
                .setModel(model)
                .setKind(kind)
                .setOpenedAt(openedAt)
                .setSealedAt(Instant.now())
                .build();
    }
}
