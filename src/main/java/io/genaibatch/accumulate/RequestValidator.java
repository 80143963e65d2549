package io.genaibatch.accumulate;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.batch.JsonlLine;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.Header;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.header.Headers;

/**
 * Turns one decoded request into the {@link BatchItem} the accumulator batches, or refuses it with a
 * {@link RejectedRequestException} naming the field. Its only state is caches that do not change any outcome; not
 * thread-safe: one per processor.
 */
final class RequestValidator {
    private final Models.Cache models = new Models.Cache();
    private final RequestDecoder decoder = new RequestDecoder();
    private final PreparedItem.Encoder encoder = new PreparedItem.Encoder();
    private final AllowedModels allowed;
    /**
     * The normalised names {@link #allowed} allowed, so that its regex runs once per model instead of once per request
     * (about 1 % of the stream thread). Only allowed names are remembered, so refused ones cannot fill it; bounded as
     * {@link Models.Cache} is.
     */
    private final Set<String> allowedNames = new HashSet<>();

    /** With the default {@code models.allowed}. */
    RequestValidator() {
        this(new AllowedModels(io.genaibatch.config.ConfigKeys.MODELS_ALLOWED.defaultValue()));
    }

    RequestValidator(AllowedModels allowed) {
        this.allowed = allowed;
    }

    /**
     * The request a genai.requests value holds, as {@link io.genaibatch.kafka.RecordCodec#decode} gives it.
     *
     * @throws io.genaibatch.kafka.RecordDecodingException exactly when the codec throws it
     */
    GenAiRequest decode(byte[] value) {
        return decoder.decode(value);
    }

    /** Whether {@link #prepare} copies this item's request from the decoded bytes (for tests). */
    boolean usesUtf8Of(BatchItem item) {
        return decoder.utf8Length(item.getRequest()) >= 0;
    }

    /**
     * The item encoded for the repartition, as {@link PreparedItem.Encoder#prepare(BatchItem)} encodes it; when the
     * item's request is the JSON of the last {@link #decode} unchanged, its UTF-8 bytes are copied, not re-encoded.
     */
    PreparedItem prepare(BatchItem item) {
        int length = decoder.utf8Length(item.getRequest());
        return length < 0
                ? encoder.prepare(item)
                : encoder.prepare(item, decoder.utf8Bytes(), decoder.utf8Offset(), length);
    }

    /** Where a record was read: its id and its response depend on it. */
    record Source(String topic, int partition, long offset, long timestamp) {}

    /**
     * @param maxBytesOf the max-bytes in force for a (normalised) model name
     */
    BatchItem validate(
            byte[] key, GenAiRequest request, Headers headers, Source source, ToLongFunction<String> maxBytesOf) {
        Instant receivedAt = Instant.ofEpochMilli(source.timestamp());
        String derivedId = RequestIds.derived(source.topic(), source.partition(), source.offset());
        if (request == null) {
            throw reject(
                    ErrorCode.UNDECODABLE,
                    "the value is null (a tombstone): expected a GenAiRequest",
                    derivedId,
                    null,
                    receivedAt);
        }
        String requestId =
                request.getRequestId() == null || request.getRequestId().isBlank() ? derivedId : request.getRequestId();
        if (key == null) {
            throw reject(
                    ErrorCode.NULL_KEY,
                    "the record has no key: the response is published under the request's key, "
                            + "so every request needs one",
                    requestId,
                    request,
                    receivedAt);
        }
        // A derived id is always usable (a Kafka topic name, two numbers): only the caller's is checked.
        String idProblem = requestId == derivedId ? null : RequestIds.problem(requestId);
        if (idProblem != null) {
            throw reject(ErrorCode.INVALID_REQUEST_ID, idProblem, derivedId, request, receivedAt);
        }
        if (request.getModel() == null || request.getModel().isBlank()) {
            throw reject(
                    ErrorCode.MISSING_MODEL,
                    "field 'model' is empty: expected a model name such as gemini-2.5-flash",
                    requestId,
                    request,
                    receivedAt);
        }
        String model;
        try {
            model = models.normalize(request.getModel());
        } catch (IllegalArgumentException e) {
            throw reject(ErrorCode.INVALID_MODEL, "field 'model': " + e.getMessage(), requestId, request, receivedAt);
        }
        // Before anything keyed by the model (its window policy, a held pointer, its group) is looked up or created.
        if (!allowedNames.contains(model)) {
            if (!allowed.allows(model)) {
                throw reject(ErrorCode.UNKNOWN_MODEL, allowed.refusal(model), requestId, request, receivedAt);
            }
            if (allowedNames.size() >= Models.Cache.MAX_ENTRIES) {
                allowedNames.clear();
            }
            allowedNames.add(model);
        }
        RequestJson.Checked checked = RequestJson.check(
                request.getKind(),
                request.getRequest(),
                decoder.utf8Bytes(),
                decoder.utf8Offset(),
                decoder.utf8Length(request.getRequest()));
        if (checked.problem() != null) {
            throw reject(checked.problem().code(), checked.problem().message(), requestId, request, receivedAt);
        }
        // The line is keyed by the derived id whatever requestId the caller gave (see LineKey). When the one-line JSON
        // is the decoded request itself, its UTF-8 length is known (and it has no line break).
        int utf8Length = decoder.utf8Length(checked.oneLine());
        long lineBytes =
                utf8Length >= 0 ? JsonlLine.size(derivedId, utf8Length) : JsonlLine.size(derivedId, checked.oneLine());
        long maxBytes = maxBytesOf.applyAsLong(model);
        if (lineBytes > maxBytes) {
            throw reject(
                    ErrorCode.REQUEST_TOO_LARGE,
                    "field 'request' takes " + lineBytes + " bytes as a batch line, more than "
                            + "the max-bytes of model " + model + " (" + maxBytes + "): it could never fit in a batch",
                    requestId,
                    request,
                    receivedAt);
        }
        return BatchItem.newBuilder()
                .setRequestId(requestId)
                .setKey(ByteBuffer.wrap(key))
                .setHeaders(headersOf(headers))
                .setMetadata(request.getMetadata())
                .setModel(model)
                .setKind(request.getKind())
                .setRequest(checked.oneLine())
                .setRequestBytes(lineBytes)
                .setSourceTopic(source.topic())
                .setSourcePartition(source.partition())
                .setSourceOffset(source.offset())
                .setReceivedAt(receivedAt)
                .build();
    }

    static List<Header> headersOf(Headers headers) {
        List<Header> out = new ArrayList<>();
        if (headers != null) {
            for (org.apache.kafka.common.header.Header h : headers) {
                out.add(new Header(h.key(), h.value() == null ? null : ByteBuffer.wrap(h.value())));
            }
        }
        return out;
    }

    private static RejectedRequestException reject(
            ErrorCode code, String message, String requestId, GenAiRequest request, Instant receivedAt) {
        return new RejectedRequestException(new Rejection(
                code,
                message,
                requestId,
                request == null ? "" : request.getModel(),
                request == null ? null : request.getKind(),
                request == null ? null : request.getMetadata(),
                receivedAt));
    }
}
