package io.genaibatch.accumulate;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.genaibatch.batch.ErrorCode;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.Header;
import io.genaibatch.records.RequestKind;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' deserialization and processing exception handler for the accumulator: every refused request,
 * foreseen ({@link RejectedRequestException}) or not, gets a REJECTED {@link GenAiResponse} on genai.responses and
 * its raw record on the dead-letter topic, both returned to Kafka Streams, which sends them in the task's
 * transaction: the offset is committed with them or not at all.
 *
 * <p>The DLQ record is Kafka Streams' own (KIP-1034, {@code errors.dead.letter.queue.topic.name}), built by the
 * stock log-and-continue handlers with their {@code __streams.errors.*} headers (exception, message, stack trace,
 * topic, partition, offset); this handler adds {@link DlqHeaders#CODE}, {@link DlqHeaders#MESSAGE} and
 * {@link DlqHeaders#REQUEST_ID}.
 *
 * <p>A {@link StreamsException} (a failing state store, a fenced producer) is not the record's fault: the handler
 * answers FAIL, the stream thread is replaced and the task resumes from its last commit, so no request is rejected
 * for an infrastructure fault. A failure inside a punctuation (no record) is logged and retried at the next one.
 */
public final class RejectionHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {
    /** Streams config entries this handler reads (passed through Kafka Streams' config map). */
    static final String CONFIG_REQUESTS_TOPIC = "genai.accumulate.requests.topic";
    static final String CONFIG_RESPONSES_TOPIC = "genai.accumulate.responses.topic";
    static final String CONFIG_VALUE_FORMAT = "genai.accumulate.value.format";
    static final String CONFIG_METRICS = "genai.accumulate.metrics";
    /** Header on a DLQ record whose raw value was left out because the record would pass the DLQ topic's limit. */
    static final String HEADER_VALUE_OMITTED = "genai.dlq.value-omitted";
    private static final String STACKTRACE_HEADER = "__streams.errors.stacktrace";

    private static final Logger log = LoggerFactory.getLogger(RejectionHandler.class);
    private static final RecordCodec<GenAiResponse> RESPONSES = RecordCodec.genAiResponse();
    private static final RecordCodec<GenAiRequest> REQUESTS = RecordCodec.genAiRequest();

    private final LogAndContinueExceptionHandler deserializationDlq = new LogAndContinueExceptionHandler();
    private final LogAndContinueProcessingExceptionHandler processingDlq = new LogAndContinueProcessingExceptionHandler();
    private String requestsTopic;
    private String responsesTopic;
    private String dlqTopic;
    private ValueFormat format;
    private AccumulatorMetrics metrics;
    private RecordLimits.Limit responsesLimit;
    private RecordLimits.Limit dlqLimit;

    @Override
    public void configure(Map<String, ?> configs) {
        deserializationDlq.configure(configs);
        processingDlq.configure(configs);
        requestsTopic = (String) configs.get(CONFIG_REQUESTS_TOPIC);
        responsesTopic = (String) configs.get(CONFIG_RESPONSES_TOPIC);
        dlqTopic = (String) configs.get(org.apache.kafka.streams.StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        Object f = configs.get(CONFIG_VALUE_FORMAT);
        format = f == null ? ValueFormat.AVRO : ValueFormat.valueOf(f.toString());
        Object m = configs.get(CONFIG_METRICS);
        metrics = m instanceof AccumulatorMetrics given ? given : AccumulatorMetrics.NONE;
        Object l = configs.get(TooLargeRecordHandler.CONFIG_LIMITS);
        String producer = "the producer's max.request.size";
        responsesLimit = l instanceof RecordLimits limits ? limits.responses()
                : new RecordLimits.Limit(RecordLimits.KAFKA_DEFAULT, String.valueOf(responsesTopic), producer);
        dlqLimit = l instanceof RecordLimits limits ? limits.dlq()
                : new RecordLimits.Limit(RecordLimits.KAFKA_DEFAULT, String.valueOf(dlqTopic), producer);
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                                Exception exception) {
        List<ProducerRecord<byte[], byte[]>> dlq = deserializationDlq.handleError(context, record, exception).deadLetterQueueRecords();
        if (!java.util.Objects.equals(record.topic(), requestsTopic)) {
            log.error("Undecodable record on {}-{} at offset {}, copied to the DLQ: {}", record.topic(), record.partition(),
                    record.offset(), exception.getMessage());
            return DeserializationExceptionHandler.Response.resume(dlq);
        }
        try {
            Rejection rejection = UndecodableRequests.classify(new RequestValidator.Source(record.topic(), record.partition(),
                    record.offset(), record.timestamp()), record.value(), exception);
            return DeserializationExceptionHandler.Response.resume(answer(rejection, record.key(), record.headers(), dlq));
        } catch (RuntimeException e) {
            log.error("Could not build the REJECTED response of {}-{}@{}; the DLQ copy is still written", record.topic(),
                    record.partition(), record.offset(), e);
            return DeserializationExceptionHandler.Response.resume(dlq);
        }
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (exception instanceof StreamsException) {
            log.error("Kafka Streams failure while processing {}-{}@{} in {}: failing the task so it resumes from its last "
                    + "commit", context.topic(), context.partition(), context.offset(), context.processorNodeId(), exception);
            return ProcessingExceptionHandler.Response.fail();
        }
        if (record == null && exception instanceof HeldRequestsLostException lost) {
            return ProcessingExceptionHandler.Response.resume(lostResponses(lost));
        }
        if (record == null) {
            log.error("Punctuation failed in {} (task {}); it runs again in a second", context.processorNodeId(),
                    context.taskId(), exception);
            return ProcessingExceptionHandler.Response.resume();
        }
        List<ProducerRecord<byte[], byte[]>> dlq = processingDlq.handleError(context, record, exception).deadLetterQueueRecords();
        if (!(record.value() instanceof PreparedItem) && !java.util.Objects.equals(requestsTopic, context.topic())) {
            // Not a request (e.g. the global window-config processor): nobody to answer; the record is skipped.
            log.error("Processing failed in {} on {}-{}@{}; record skipped", context.processorNodeId(), context.topic(),
                    context.partition(), context.offset(), exception);
            return ProcessingExceptionHandler.Response.resume(dlq);
        }
        try {
            Rejection rejection = exception instanceof RejectedRequestException rejected ? rejected.rejection()
                    : unforeseen(context, record, exception);
            if (record.value() instanceof PreparedItem prepared) {
                BatchItem item = prepared.item();
                // Failed after the repartition: the raw record Kafka Streams has is our intermediate item, so the
                // DLQ gets the request rebuilt from it, under its original key and headers.
                byte[] key = bytes(item.getKey());
                Headers headers = headersOf(item.getHeaders());
                return ProcessingExceptionHandler.Response.resume(answer(rejection, key, headers, rebuilt(item, headers, dlq)));
            }
            return ProcessingExceptionHandler.Response.resume(answer(rejection, context.sourceRawKey(), context.headers(), dlq));
        } catch (RuntimeException e) {
            log.error("Could not build the REJECTED response of {}-{}@{}; the DLQ copy is still written", context.topic(),
                    context.partition(), context.offset(), e);
            return ProcessingExceptionHandler.Response.resume(dlq);
        }
    }

    /** The REJECTED response plus the DLQ records, with our error headers added to the latter. */
    private List<ProducerRecord<byte[], byte[]>> answer(Rejection rejection, byte[] key, Headers originalHeaders,
                                                        List<ProducerRecord<byte[], byte[]>> dlq) {
        metrics.requestRejected(rejection.model(), rejection.code(), dlq.size());
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        ProducerRecord<byte[], byte[]> response = fitted(rejection, key, originalHeaders);
        if (response != null) {
            out.add(response);
        }
        for (ProducerRecord<byte[], byte[]> d : dlq) {
            d.headers().add(DlqHeaders.CODE, utf8(rejection.code()));
            d.headers().add(DlqHeaders.MESSAGE, utf8(rejection.message()));
            d.headers().add(DlqHeaders.REQUEST_ID, utf8(rejection.requestId()));
            out.add(fitted(d));
        }
        if (rejection.code().equals(ErrorCode.PROCESSING_FAILED.code())) {
            log.error("Request {} rejected after an unexpected failure: {}", rejection.requestId(), rejection.message());
        } else {
            log.info("Request {} rejected: {} {}", rejection.requestId(), rejection.code(), rejection.message());
        }
        return out;
    }

    /**
     * The REJECTED response, within genai.responses' record limit: a record over it would fail the task's transaction
     * at every attempt. It echoes the caller's metadata and headers, which may be what makes it large: then the
     * metadata is left out (the message says so), then the headers. Null, logged at ERROR, if even the bare response
     * cannot fit (a key near the limit): the DLQ copy and the log are then all that is left of the request.
     */
    private ProducerRecord<byte[], byte[]> fitted(Rejection rejection, byte[] key, Headers originalHeaders) {
        Instant now = Instant.now();
        byte[] value = RESPONSES.encode(rejection.toResponse(now), format);
        Headers headers = copy(originalHeaders);
        long size = RecordLimits.sizeOf(key, value, headers);
        if (size <= responsesLimit.bytes()) {
            return new ProducerRecord<>(responsesTopic, null, null, key, value, headers);
        }
        String note = " (this response left out the request's metadata: with it, it took " + size + " bytes, over the limit of "
                + responsesLimit.describe() + ")";
        Rejection lean = new Rejection(rejection.code(), rejection.message() + note, rejection.requestId(), rejection.model(),
                rejection.kind(), Map.of(), rejection.receivedAt());
        value = RESPONSES.encode(lean.toResponse(now), format);
        if (RecordLimits.sizeOf(key, value, headers) <= responsesLimit.bytes()) {
            return new ProducerRecord<>(responsesTopic, null, null, key, value, headers);
        }
        if (RecordLimits.sizeOf(key, value, null) <= responsesLimit.bytes()) {
            log.warn("The REJECTED response of request {} leaves out the request's headers and metadata: with them it is over {}",
                    rejection.requestId(), responsesLimit.describe());
            return new ProducerRecord<>(responsesTopic, null, null, key, value, new RecordHeaders());
        }
        log.error("Request {} ({} {}) cannot be answered: even its bare REJECTED response is over {} (a key of {} bytes); "
                + "its DLQ copy has it", rejection.requestId(), rejection.code(), rejection.message(), responsesLimit.describe(),
                key == null ? 0 : key.length);
        return null;
    }

    /**
     * A DLQ record within the DLQ topic's limit. Its value is the raw request and its headers add a stack trace, so
     * a request near the limit of genai.requests is over the DLQ's: then the stack trace is cut, and if that is not
     * enough the value is left out, with a {@link #HEADER_VALUE_OMITTED} header saying how large it was and where the
     * request still is (genai.requests, until its retention). The REJECTED response answers the request either way.
     */
    private ProducerRecord<byte[], byte[]> fitted(ProducerRecord<byte[], byte[]> d) {
        long size = RecordLimits.sizeOf(d.key(), d.value(), d.headers());
        if (size <= dlqLimit.bytes()) {
            return d;
        }
        Headers headers = copy(d.headers());
        org.apache.kafka.common.header.Header trace = headers.lastHeader(STACKTRACE_HEADER);
        if (trace != null && trace.value() != null && trace.value().length > 1024) {
            headers.remove(STACKTRACE_HEADER);
            headers.add(STACKTRACE_HEADER, java.util.Arrays.copyOf(trace.value(), 1024));
        }
        if (RecordLimits.sizeOf(d.key(), d.value(), headers) <= dlqLimit.bytes()) {
            return new ProducerRecord<>(d.topic(), d.partition(), d.timestamp(), d.key(), d.value(), headers);
        }
        String where = header(headers, "__streams.errors.topic") + "-" + header(headers, "__streams.errors.partition")
                + " at offset " + header(headers, "__streams.errors.offset");
        headers.add(HEADER_VALUE_OMITTED, utf8("the raw value (" + (d.value() == null ? 0 : d.value().length) + " bytes) is left "
                + "out: with it this record took " + size + " bytes, over the limit of " + dlqLimit.describe() + ". The record "
                + "the stream task read is still in " + where + " until that topic's retention deletes it"));
        log.warn("DLQ copy of {} without its value: {} bytes, over {}", where, size, dlqLimit.describe());
        return new ProducerRecord<>(d.topic(), d.partition(), d.timestamp(), d.key(), null, headers);
    }

    private static String header(Headers headers, String key) {
        org.apache.kafka.common.header.Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? "?" : new String(h.value(), StandardCharsets.UTF_8);
    }

    /**
     * One ERROR response per held request that could not be read back, under its key. Only what the pointer kept is
     * known: not the caller's requestId (the derived one is given), metadata, kind or headers.
     */
    private List<ProducerRecord<byte[], byte[]>> lostResponses(HeldRequestsLostException lost) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        Instant now = Instant.now();
        for (HeldRequestsLostException.Lost l : lost.lost()) {
            String message = "the request was held while model " + l.model() + " was disabled (window.enabled=false) and "
                    + "could not be read back from " + l.topic() + "-" + l.partition() + " at offset " + l.offset()
                    + " when it was enabled again: " + l.why() + ". It was never sent to the API; publish it again";
            GenAiResponse response = GenAiResponse.newBuilder()
                    .setRequestId(RequestIds.derived(l.topic(), l.partition(), l.offset()))
                    .setStatus(io.genaibatch.records.ResponseStatus.ERROR)
                    .setError(io.genaibatch.records.Error.newBuilder().setCode(ErrorCode.HELD_REQUEST_LOST.code())
                            .setMessage(message).setHttpStatus(null).build())
                    .setModel(l.model())
                    .setKind(null)
                    .setMetadata(Map.of())
                    .setReceivedAt(Instant.ofEpochMilli(l.timestamp()))
                    .setCompletedAt(now)
                    .build();
            out.add(new ProducerRecord<>(responsesTopic, null, null, l.key(), RESPONSES.encode(response, format)));
        }
        return out;
    }

    private static Rejection unforeseen(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        String message = "the accumulator failed on this request (" + exception + "); it was not batched. "
                + "This is a bug in genai-batch: please report it with the DLQ record";
        if (record.value() instanceof PreparedItem prepared) {
            BatchItem item = prepared.item();
            return new Rejection(ErrorCode.PROCESSING_FAILED.code(), message, item.getRequestId(), item.getModel(), item.getKind(),
                    item.getMetadata(), item.getReceivedAt());
        }
        String derived = RequestIds.derived(context.topic(), context.partition(), context.offset());
        Instant receivedAt = Instant.ofEpochMilli(context.timestamp());
        GenAiRequest request = record.value() instanceof byte[] raw ? decodeOrNull(raw)
                : record.value() instanceof GenAiRequest decoded ? decoded : null;
        if (request != null) {
            String id = request.getRequestId() == null || request.getRequestId().isBlank() ? derived : request.getRequestId();
            return new Rejection(ErrorCode.PROCESSING_FAILED.code(), message, id, request.getModel(), request.getKind(),
                    request.getMetadata(), receivedAt);
        }
        return new Rejection(ErrorCode.PROCESSING_FAILED.code(), message, derived, "", null, null, receivedAt);
    }

    private static GenAiRequest decodeOrNull(byte[] raw) {
        try {
            return REQUESTS.decode(raw);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The DLQ records Kafka Streams built from the intermediate item, with the original request, key and headers. */
    private List<ProducerRecord<byte[], byte[]>> rebuilt(BatchItem item, Headers originalHeaders,
                                                         List<ProducerRecord<byte[], byte[]>> dlq) {
        GenAiRequest request = GenAiRequest.newBuilder()
                .setModel(item.getModel())
                .setKind(item.getKind())
                .setRequest(item.getRequest())
                .setMetadata(item.getMetadata())
                .setRequestId(item.getRequestId())
                .build();
        byte[] value = REQUESTS.encode(request, format);
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> d : dlq) {
            Headers headers = copy(originalHeaders);
            d.headers().forEach(headers::add);
            out.add(new ProducerRecord<>(d.topic(), null, d.timestamp(), bytes(item.getKey()), value, headers));
        }
        if (out.isEmpty() && dlqTopic != null) {
            log.warn("No DLQ record was built for request {}", item.getRequestId());
        }
        return out;
    }

    private static Headers copy(Headers headers) {
        RecordHeaders out = new RecordHeaders();
        if (headers != null) {
            headers.forEach(out::add);
        }
        return out;
    }

    private static Headers headersOf(List<Header> headers) {
        RecordHeaders out = new RecordHeaders();
        for (Header h : headers) {
            out.add(h.getKey(), h.getValue() == null ? null : bytes(h.getValue()));
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Names the field that makes a value undecodable, from the JSON itself when the value is JSON. */
    static final class UndecodableRequests {
        private UndecodableRequests() {
        }

        static Rejection classify(RequestValidator.Source source, byte[] value, Exception exception) {
            String derived = RequestIds.derived(source.topic(), source.partition(), source.offset());
            Instant receivedAt = Instant.ofEpochMilli(source.timestamp());
            String message = exception.getMessage() == null ? exception.toString() : exception.getMessage();
            JsonNode json = value == null ? null : RequestJson.parseOrNull(value);
            if (json == null) {
                return new Rejection(ErrorCode.UNDECODABLE.code(), message, derived, "", null, null, receivedAt);
            }
            if (!json.isObject()) {
                return new Rejection(ErrorCode.NOT_AN_OBJECT.code(), "the value is JSON but " + RequestJson.type(json)
                        + ", not an object: expected {\"model\": ..., \"kind\": ..., \"request\": {...}}", derived, "", null, null,
                        receivedAt);
            }
            String requestId = text(json, "requestId");
            if (requestId == null || requestId.isBlank() || RequestIds.problem(requestId) != null) {
                requestId = derived;
            }
            String model = text(json, "model");
            RequestKind kind = kindOf(json);
            Map<String, String> metadata = metadataOf(json);
            JsonNode kindNode = json.get("kind");
            JsonNode modelNode = json.get("model");
            String code;
            if (kindNode == null || kindNode.isNull()) {
                code = ErrorCode.MISSING_KIND.code();
            } else if (kind == null) {
                code = ErrorCode.INVALID_KIND.code();
            } else if (modelNode == null || modelNode.isNull()) {
                code = ErrorCode.MISSING_MODEL.code();
            } else if (model == null) {
                code = ErrorCode.INVALID_MODEL.code();
            } else if (json.get("request") == null || json.get("request").isNull() || message.contains("'request'")) {
                code = ErrorCode.INVALID_REQUEST.code();
            } else {
                code = ErrorCode.UNDECODABLE.code();
            }
            return new Rejection(code, message, requestId, model == null ? "" : model, kind, metadata, receivedAt);
        }

        private static String text(JsonNode json, String field) {
            JsonNode node = json.get(field);
            return node != null && node.isTextual() ? node.textValue() : null;
        }

        private static RequestKind kindOf(JsonNode json) {
            String kind = text(json, "kind");
            for (RequestKind k : RequestKind.values()) {
                if (k.name().equals(kind)) {
                    return k;
                }
            }
            return null;
        }

        private static Map<String, String> metadataOf(JsonNode json) {
            JsonNode node = json.get("metadata");
            Map<String, String> out = new LinkedHashMap<>();
            if (node != null && node.isObject()) {
                node.properties().forEach(e -> {
                    if (e.getValue().isTextual()) {
                        out.put(e.getKey(), e.getValue().textValue());
                    }
                });
            }
            return out;
        }
    }
}
