package io.genaibatch.accumulate;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.GenAiResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REJECTED response and the DLQ copy of a refused request, each within its topic's record limit: a record over
 * it would fail the task's transaction at every attempt, and the request with it.
 */
final class FittedRecords {
    private static final String STACKTRACE_HEADER = "__streams.errors.stacktrace";
    /** Under the handler's name, as before this class was split from it: what an operator's log filters know. */
    private static final Logger log = LoggerFactory.getLogger(RejectionHandler.class);

    private static final RecordCodec<GenAiResponse> RESPONSES = RecordCodec.genAiResponse();

    private final String responsesTopic;
    private final ValueFormat format;
    private final RecordLimits.Limit responsesLimit;
    private final RecordLimits.Limit dlqLimit;

    FittedRecords(
            String responsesTopic, ValueFormat format, RecordLimits.Limit responsesLimit, RecordLimits.Limit dlqLimit) {
        this.responsesTopic = responsesTopic;
        this.format = format;
        this.responsesLimit = responsesLimit;
        this.dlqLimit = dlqLimit;
    }

    /**
     * The REJECTED response, within genai.responses' record limit. It echoes the caller's metadata and headers, which
     * may be what makes it large: then the metadata is left out (the message says so), then the headers. Null,
     * logged at ERROR, if even the bare response cannot fit (a key near the limit): the DLQ copy and the log are
     * then all that is left of the request.
     */
    ProducerRecord<byte[], byte[]> response(Rejection rejection, byte[] key, Headers originalHeaders) {
        Instant now = Instant.now();
        byte[] value = RESPONSES.encode(rejection.toResponse(now), format);
        Headers headers = copy(originalHeaders);
        long size = RecordLimits.sizeOf(key, value, headers);
        if (size <= responsesLimit.bytes()) {
            return new ProducerRecord<>(responsesTopic, null, null, key, value, headers);
        }
        String note = " (this response left out the request's metadata: with it, it took " + size
                + " bytes, over the limit of " + responsesLimit.describe() + ")";
        Rejection lean = new Rejection(
                rejection.code(),
                rejection.message() + note,
                rejection.requestId(),
                rejection.model(),
                rejection.kind(),
                Map.of(),
                rejection.receivedAt());
        value = RESPONSES.encode(lean.toResponse(now), format);
        if (RecordLimits.sizeOf(key, value, headers) <= responsesLimit.bytes()) {
            return new ProducerRecord<>(responsesTopic, null, null, key, value, headers);
        }
        if (RecordLimits.sizeOf(key, value, null) <= responsesLimit.bytes()) {
            log.warn(
                    "The REJECTED response of request {} leaves out the request's headers and metadata: with them it is over {}",
                    rejection.requestId(),
                    responsesLimit.describe());
            return new ProducerRecord<>(responsesTopic, null, null, key, value, new RecordHeaders());
        }
        log.error(
                "Request {} ({} {}) cannot be answered: even its bare REJECTED response is over {} (a key of {} bytes); "
                        + "its DLQ copy has it",
                rejection.requestId(),
                rejection.code(),
                rejection.message(),
                responsesLimit.describe(),
                key == null ? 0 : key.length);
        return null;
    }

    /**
     * A DLQ record within the DLQ topic's limit. Its value is the raw request and its headers add a stack trace, so
     * a request near the limit of genai.requests is over the DLQ's: then the stack trace is cut, and if that is not
     * enough the value is left out, with a {@link DlqHeaders#VALUE_OMITTED} header saying how large it was and where
     * the request still is (genai.requests, until its retention). The REJECTED response answers the request either way.
     */
    ProducerRecord<byte[], byte[]> dlq(ProducerRecord<byte[], byte[]> d) {
        long size = RecordLimits.sizeOf(d.key(), d.value(), d.headers());
        if (size <= dlqLimit.bytes()) {
            return d;
        }
        Headers headers = copy(d.headers());
        Header trace = headers.lastHeader(STACKTRACE_HEADER);
        if (trace != null && trace.value() != null && trace.value().length > 1024) {
            headers.remove(STACKTRACE_HEADER);
            headers.add(STACKTRACE_HEADER, java.util.Arrays.copyOf(trace.value(), 1024));
        }
        if (RecordLimits.sizeOf(d.key(), d.value(), headers) <= dlqLimit.bytes()) {
            return new ProducerRecord<>(d.topic(), d.partition(), d.timestamp(), d.key(), d.value(), headers);
        }
        String where = header(headers, "__streams.errors.topic") + "-" + header(headers, "__streams.errors.partition")
                + " at offset " + header(headers, "__streams.errors.offset");
        headers.add(
                DlqHeaders.VALUE_OMITTED,
                ("the raw value (" + (d.value() == null ? 0 : d.value().length) + " bytes) is left "
                                + "out: with it this record took " + size + " bytes, over the limit of "
                                + dlqLimit.describe() + ". The record "
                                + "the stream task read is still in " + where
                                + " until that topic's retention deletes it")
                        .getBytes(StandardCharsets.UTF_8));
        log.warn("DLQ copy of {} without its value: {} bytes, over {}", where, size, dlqLimit.describe());
        return new ProducerRecord<>(d.topic(), d.partition(), d.timestamp(), d.key(), null, headers);
    }

    private static String header(Headers headers, String key) {
        Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? "?" : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static Headers copy(Headers headers) {
        RecordHeaders out = new RecordHeaders();
        if (headers != null) {
            headers.forEach(out::add);
        }
        return out;
    }
}
