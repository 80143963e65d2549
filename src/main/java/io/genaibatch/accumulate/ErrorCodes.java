package io.genaibatch.accumulate;

import java.util.List;

/**
 * The stable, machine-readable codes of REJECTED responses ({@code error.code}) and of the {@code genai.error.code}
 * header on genai.requests.dlq. Consumers may switch on them: a code is never renamed, only added.
 */
public final class ErrorCodes {
    private ErrorCodes() {
    }

    /** The value is neither Avro GenAiRequest nor a JSON object of its fields (garbage, truncated, other schema, null). */
    public static final String UNDECODABLE = "UNDECODABLE";
    /** The value is JSON, but an array, string, number... rather than an object. */
    public static final String NOT_AN_OBJECT = "NOT_AN_OBJECT";
    /** No {@code kind} field (or null). */
    public static final String MISSING_KIND = "MISSING_KIND";
    /** {@code kind} is not GENERATE or EMBED. */
    public static final String INVALID_KIND = "INVALID_KIND";
    /** No {@code model} field, or an empty one. */
    public static final String MISSING_MODEL = "MISSING_MODEL";
    /** {@code model} is not a model name (letters, digits, '.', '-', '_', optionally prefixed with models/). */
    public static final String INVALID_MODEL = "INVALID_MODEL";
    /**
     * The model is a valid name but matches none of {@code models.allowed}: every distinct model opens a group and a
     * batch that live until sealed, so untrusted names are refused rather than batched.
     */
    public static final String UNKNOWN_MODEL = "UNKNOWN_MODEL";
    /** {@code request} is missing, not JSON, or not the shape of a GenerateContentRequest / EmbedContentRequest. */
    public static final String INVALID_REQUEST = "INVALID_REQUEST";
    /** The request has no contents ({@code contents: []}, or an EMBED {@code content} without parts). */
    public static final String EMPTY_CONTENTS = "EMPTY_CONTENTS";
    /** The caller's {@code requestId} is unusable as a batch line key (too long, control characters). */
    public static final String INVALID_REQUEST_ID = "INVALID_REQUEST_ID";
    /**
     * The request could never be batched: its batch line alone is larger than the model's max-bytes, or a record it
     * becomes (its repartition record, its genai.batches item) would pass Kafka's limits (the topic's
     * max.message.bytes, the producer's max.request.size). The message names the size, the limit and where.
     */
    public static final String REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE";
    /** The record has no key: its response could not be matched to it (the REJECTED response has a null key too). */
    public static final String NULL_KEY = "NULL_KEY";
    /**
     * Not a REJECTED code: the code of the ERROR response of a request held while its model was disabled and no longer
     * in genai.requests when the model was enabled again (deleted by retention): it was accepted, never sent, and can
     * be published again.
     */
    public static final String HELD_REQUEST_LOST = "HELD_REQUEST_LOST";
    /** The accumulator threw for a reason nobody foresaw; the message names the exception. A bug: please report it. */
    public static final String PROCESSING_FAILED = "PROCESSING_FAILED";

    public static final List<String> ALL = List.of(UNDECODABLE, NOT_AN_OBJECT, MISSING_KIND, INVALID_KIND, MISSING_MODEL,
            INVALID_MODEL, UNKNOWN_MODEL, INVALID_REQUEST, EMPTY_CONTENTS, INVALID_REQUEST_ID, REQUEST_TOO_LARGE, NULL_KEY, PROCESSING_FAILED);

    /** Header on each DLQ record: the code above. */
    public static final String HEADER_CODE = "genai.error.code";
    /** Header on each DLQ record: the human-readable reason (also in Kafka Streams' own __streams.errors.message). */
    public static final String HEADER_MESSAGE = "genai.error.message";
    /** Header on each DLQ record: the requestId the request had or would have had. */
    public static final String HEADER_REQUEST_ID = "genai.request-id";
}
