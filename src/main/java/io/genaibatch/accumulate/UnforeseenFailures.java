package io.genaibatch.accumulate;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.GenAiRequest;
import java.time.Instant;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The rejection of a request the accumulator failed on for a reason nobody foresaw (PROCESSING_FAILED), echoing
 * what can still be read of the request: from the item when it failed after the repartition, else from the record.
 */
final class UnforeseenFailures {
    private static final RecordCodec<GenAiRequest> REQUESTS = RecordCodec.genAiRequest();

    private UnforeseenFailures() {}

    static Rejection rejection(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        String message = "the accumulator failed on this request (" + exception + "); it was not batched. "
                + "This is a bug in genai-batch: please report it with the DLQ record";
        if (record.value() instanceof PreparedItem prepared) {
            BatchItem item = prepared.item();
            return new Rejection(
                    ErrorCode.PROCESSING_FAILED,
                    message,
                    item.getRequestId(),
                    item.getModel(),
                    item.getKind(),
                    item.getMetadata(),
                    item.getReceivedAt());
        }
        String derived = RequestIds.derived(context.topic(), context.partition(), context.offset());
        Instant receivedAt = Instant.ofEpochMilli(context.timestamp());
        GenAiRequest request = record.value() instanceof byte[] raw
                ? decodeOrNull(raw)
                : record.value() instanceof GenAiRequest decoded ? decoded : null;
        if (request != null) {
            String id = request.getRequestId() == null || request.getRequestId().isBlank()
                    ? derived
                    : request.getRequestId();
            return new Rejection(
                    ErrorCode.PROCESSING_FAILED,
                    message,
                    id,
                    request.getModel(),
                    request.getKind(),
                    request.getMetadata(),
                    receivedAt);
        }
        return new Rejection(ErrorCode.PROCESSING_FAILED, message, derived, "", null, null, receivedAt);
    }

    private static GenAiRequest decodeOrNull(byte[] raw) {
        try {
            return REQUESTS.decode(raw);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
