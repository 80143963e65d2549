package io.genaibatch.accumulate;

/** The headers the accumulator adds to each record it copies to genai.requests.dlq (its original headers are kept). */
public final class DlqHeaders {
    private DlqHeaders() {
    }

    /** The code of the REJECTED response, one of {@link io.genaibatch.batch.ErrorCode}. */
    public static final String CODE = "genai.error.code";
    /** The human-readable reason (also in Kafka Streams' own __streams.errors.message). */
    public static final String MESSAGE = "genai.error.message";
    /** The requestId the request had or would have had. */
    public static final String REQUEST_ID = "genai.request-id";
}
