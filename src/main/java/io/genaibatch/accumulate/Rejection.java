package io.genaibatch.accumulate;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.records.Error;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import java.time.Instant;
import java.util.Map;

/**
 * Why one request was refused, with what is known of it, so that its REJECTED response can echo the caller's
 * requestId, model and metadata when they could be read.
 *
 * @param code why it was refused; its {@link ErrorCode#code()} is the wire string
 * @param message what was expected, what was found, naming the field
 * @param model the model as the caller sent it, "" when unknown
 * @param kind null when unknown or invalid
 * @param receivedAt the request record's timestamp, null when unknown
 */
record Rejection(
        ErrorCode code,
        String message,
        String requestId,
        String model,
        RequestKind kind,
        Map<String, String> metadata,
        Instant receivedAt) {

    Rejection {
        model = model == null ? "" : model;
        metadata = metadata == null ? Map.of() : metadata;
    }

    GenAiResponse toResponse(Instant now) {
        return GenAiResponse.newBuilder()
                .setRequestId(requestId)
                .setStatus(ResponseStatus.REJECTED)
                .setError(Error.newBuilder()
                        .setCode(code.code())
                        .setMessage(message)
                        .setHttpStatus(null)
                        .build())
                .setModel(model)
                .setKind(kind)
                .setMetadata(metadata)
                .setReceivedAt(receivedAt)
                .setCompletedAt(now)
                .build();
    }
}
