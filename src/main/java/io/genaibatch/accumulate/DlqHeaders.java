package io.genaibatch.accumulate;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;

/** The headers the accumulator adds to each record it copies to genai.requests.dlq (its original headers are kept). */
public final class DlqHeaders {
    private DlqHeaders() {}

    /** The code of the REJECTED response, one of {@link io.genaibatch.batch.ErrorCode}. */
    public static final String CODE = "genai.error.code";
    /** The human-readable reason (also in Kafka Streams' own __streams.errors.message). */
    public static final String MESSAGE = "genai.error.message";
    /** The requestId the request had or would have had. */
    public static final String REQUEST_ID = "genai.request-id";
    /**
     * On a copy whose raw value was left out because the record would pass the DLQ topic's limit: how large it was,
     * the limit, and where the request still is.
     */
    public static final String VALUE_OMITTED = "genai.dlq.value-omitted";

    /** Adds the rejection's code, message and requestId. */
    static void add(Headers headers, Rejection rejection) {
        headers.add(CODE, utf8(rejection.code().code()));
        headers.add(MESSAGE, utf8(rejection.message()));
        headers.add(REQUEST_ID, utf8(rejection.requestId()));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
