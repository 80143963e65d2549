package io.genaibatch.accumulate;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchSeal;

/**
 * The one place the accumulator reports what metrics expose ({@link AccumulatorMeters} in a running process).
 * Called from stream threads and the exception handler, so implementations must be thread-safe and fast.
 * An exception thrown here is treated like any unforeseen processing failure of that record.
 */
public interface AccumulatorMetrics {
    /** No metrics. */
    AccumulatorMetrics NONE = new AccumulatorMetrics() {};

    /** A request passed validation and goes to its group (before the repartition). */
    default void requestAccepted(BatchItem item) {}

    /**
     * A request reached its group's processor and is about to join a batch, or the hold queue.
     *
     * @param requestId gives the request's id; reading it costs a little, so call it only when needed
     */
    default void itemArrived(String groupKey, long requestBytes, java.util.function.Supplier<String> requestId) {}

    /**
     * A request was refused with this code: {@code dlqRecords} copies of it go to
     * genai.requests.dlq, and its REJECTED response to genai.responses unless even a bare one is over the topic's
     * record limit (a key near the limit).
     *
     * @param model the model as the caller sent it, "" when unknown
     * @param responseWritten whether its REJECTED response is written
     */
    default void requestRejected(String model, ErrorCode code, int dlqRecords, boolean responseWritten) {}

    /**
     * An accepted request of a disabled model (or of a model whose held requests are still being released) was held:
     * it stays in genai.requests and the validate stage keeps a pointer to it.
     *
     * @param heldCount the model's held requests in this genai.requests partition, this one included
     */
    default void requestHeld(String model, int partition, long heldCount) {}

    /**
     * A held request could not be batched when released (deleted from genai.requests by retention, the topic
     * recreated, or failing unexpectedly): it is in no batch, gets one ERROR response (HELD_REQUEST_LOST), and its
     * pointer is dropped.
     */
    default void heldRequestLost(String model, int partition, long offset) {}

    /** A batch was sealed. */
    default void batchSealed(String batchId, BatchSeal seal) {}
}
