package io.genaibatch.batch;

import static io.genaibatch.records.ResponseStatus.CANCELLED;
import static io.genaibatch.records.ResponseStatus.ERROR;
import static io.genaibatch.records.ResponseStatus.EXPIRED;
import static io.genaibatch.records.ResponseStatus.FAILED;
import static io.genaibatch.records.ResponseStatus.REJECTED;

import io.genaibatch.records.ResponseStatus;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every error code the service itself gives: the {@code code} of the Avro {@code Error} record in a GenAiResponse
 * or a BatchJob, and the {@code genai.error.code} header on genai.requests.dlq. Consumers switch on these strings:
 * a code is never renamed or removed, only added, and {@link #code()} is exactly what is on the wire.
 *
 * <p>The Avro record keeps its name {@code Error} (io.genaibatch.records.Error), although it shadows
 * java.lang.Error: a record's name is part of its schema fingerprint, so renaming it would make every reader fail
 * on records already written (docs/SCHEMAS.md, "Changing a schema").
 *
 * <p>Not here: the codes the Gemini API gives, passed on as they came (a google.rpc.Code name such as
 * {@code RESOURCE_EXHAUSTED}, or one derived from a bare HTTP status by the poller): they are the API's vocabulary,
 * their retry is decided by poll.retriable-codes, and they can be any name the API adds. Nor the reasons in a
 * batch's lineage ({@code RETRIABLE_ERRORS}, {@code OPERATOR_RETRY}...): they name why a child batch exists and
 * never reach a response.
 *
 * <p>docs/SCHEMAS.md shows this table ({@link #markdownTable()}); a test keeps it in step.
 */
public enum ErrorCode {
    // accumulate: the request is refused before it is batched (a REJECTED response and a copy on the DLQ)
    UNDECODABLE(
            REJECTED,
            Retry.SAME_ANSWER,
            "The value is neither Avro GenAiRequest nor a JSON object of its fields (garbage, truncated, another"
                    + " schema, a null value)."),
    NOT_AN_OBJECT(
            REJECTED, Retry.SAME_ANSWER, "The value is JSON, but an array, string, number... rather than an object."),
    MISSING_KIND(REJECTED, Retry.SAME_ANSWER, "No `kind` field (or null)."),
    INVALID_KIND(REJECTED, Retry.SAME_ANSWER, "`kind` is not GENERATE or EMBED."),
    MISSING_MODEL(REJECTED, Retry.SAME_ANSWER, "No `model` field, or an empty one."),
    INVALID_MODEL(
            REJECTED,
            Retry.SAME_ANSWER,
            "`model` is not a model name (letters, digits, '.', '-', '_', optionally prefixed with models/)."),
    UNKNOWN_MODEL(
            REJECTED,
            Retry.SAME_ANSWER,
            "The model is a valid name but matches none of `models.allowed`: every distinct model opens a group and"
                    + " a batch that live until sealed, so untrusted names are refused rather than batched."),
    INVALID_REQUEST(
            REJECTED,
            Retry.SAME_ANSWER,
            "`request` is missing, not JSON, or not the shape of a GenerateContentRequest / EmbedContentRequest."),
    EMPTY_CONTENTS(
            REJECTED,
            Retry.SAME_ANSWER,
            "The request has nothing to generate or embed from: `contents: []`, or a Content (an element of a"
                    + " GENERATE request's `contents`, or an EMBED request's `content`) whose `parts` are missing or"
                    + " empty."),
    INVALID_REQUEST_ID(
            REJECTED,
            Retry.SAME_ANSWER,
            "The caller's `requestId` is unusable as a batch line key (too long, control characters)."),
    REQUEST_TOO_LARGE(
            REJECTED,
            Retry.SAME_ANSWER,
            "The request could never be batched: its batch line alone is larger than the model's max-bytes, or a"
                    + " record it becomes would pass Kafka's limits (max.message.bytes, max.request.size). The"
                    + " message names the size, the limit and where."),
    NULL_KEY(
            REJECTED,
            Retry.SAME_ANSWER,
            "The record has no key: its response could not be matched to it (the response has a null key too)."),
    PROCESSING_FAILED(
            REJECTED,
            Retry.MAY_SUCCEED,
            "The accumulator threw for a reason nobody foresaw; the message names the exception. A bug: please"
                    + " report it with the DLQ record."),
    HELD_REQUEST_LOST(
            ERROR,
            Retry.MAY_SUCCEED,
            "The request was held while its model was disabled and could not be batched when the model was enabled"
                    + " again; the message says why. Gone from genai.requests (retention), or another record at its"
                    + " offset (the topic was recreated): accepted, never sent, it can be published again. No longer"
                    + " passing validation (its model left `models.allowed`, or an upgrade changed a rule; the message"
                    + " names that code), or the accumulator failed on it (a bug): published again, it gets that"
                    + " refusal or failure until the cause is fixed."),

    // submit: no job was made for the batch (a FAILED BatchJob without job name; the poller answers every request)
    SEAL_MISMATCH(
            FAILED,
            Retry.MAY_SUCCEED,
            "The items read for the batch do not match its seal (count, bytes, or a range deleted by retention):"
                    + " a job that misses or repeats requests would be worse, so none is made."),
    UPLOAD_REFUSED(
            FAILED,
            Retry.MAY_SUCCEED,
            "The Files API refused the batch's input file for good (400, 413...): the file as a whole, not this"
                    + " request in particular."),
    CREATE_REFUSED(
            FAILED,
            ERROR,
            Retry.SAME_ANSWER,
            "The API refused to create the batch job for good (400 content, 404 unknown model, 413...). Refused for"
                    + " its content, the batch is split to isolate the offending requests (poll.policy=retrying): one"
                    + " refused alone is answered ERROR."),

    // poll: the job ended without results for the request
    JOB_FAILED(
            FAILED,
            Retry.MAY_SUCCEED,
            "The batch job FAILED and the API gave no error status with it (its message, when it gave one, is"
                    + " kept); with a status, the code is the API's."),
    JOB_EXPIRED(
            EXPIRED,
            Retry.MAY_SUCCEED,
            "The batch job EXPIRED: the API did not finish it in time (48 h) and gave no error of its own."),
    JOB_CANCELLED(
            CANCELLED,
            Retry.MAY_SUCCEED,
            "The batch job was CANCELLED (by an operator, or at the API) before it finished."),
    JOB_NOT_FOUND(
            FAILED,
            Retry.MAY_SUCCEED,
            "The batch job, or a SUCCEEDED job's output, is gone at the API (NOT_FOUND over poll.gone-after)."),
    JOB_STUCK(
            EXPIRED,
            Retry.MAY_SUCCEED,
            "The poller cancelled the job as still PENDING or RUNNING after poll.stuck-after; its batch is split,"
                    + " and a single request stuck when the attempts are spent is answered EXPIRED."),

    // poll: the job SUCCEEDED, but gave this request no usable answer
    RESULT_MISSING(
            ERROR,
            Retry.MAY_SUCCEED,
            "The job SUCCEEDED but no result carried the request's line key (dropped by the API, or returned"
                    + " without its key)."),
    RESULT_DUPLICATED(
            ERROR,
            Retry.MAY_SUCCEED,
            "Several results carried the request's line key: which one answers it cannot be told, so none was"
                    + " attached."),
    RESULT_UNREADABLE(
            ERROR,
            Retry.MAY_SUCCEED,
            "The result line carrying the request's key has neither a response nor an error object: our finding"
                    + " about the line, not an error the API gave (no httpStatus)."),
    RESPONSE_TOO_LARGE(
            ERROR,
            Retry.SAME_ANSWER,
            "The model's answer is larger than a genai.responses record may be (max.request.size,"
                    + " max.message.bytes); it stays in the job's output until the job is deleted.");

    /** Whether publishing the same request again, with nothing else changed, could get it another answer. */
    public enum Retry {
        /** The same request gets the same answer: fix it (or the configuration) first. */
        SAME_ANSWER,
        /** Nothing is wrong with the request itself: publishing it again could succeed. */
        MAY_SUCCEED
    }

    /** Start and end of the generated table in docs/SCHEMAS.md. */
    public static final String TABLE_START = "<!-- error codes: generated from io.genaibatch.batch.ErrorCode -->";

    public static final String TABLE_END = "<!-- end of error codes -->";

    private final List<ResponseStatus> statuses;
    private final Retry retry;
    private final String meaning;

    ErrorCode(ResponseStatus status, Retry retry, String meaning) {
        this(List.of(status), retry, meaning);
    }

    ErrorCode(ResponseStatus status, ResponseStatus alsoStatus, Retry retry, String meaning) {
        this(List.of(status, alsoStatus), retry, meaning);
    }

    ErrorCode(List<ResponseStatus> statuses, Retry retry, String meaning) {
        this.statuses = statuses;
        this.retry = retry;
        this.meaning = meaning;
    }

    /** The string on the wire: {@code Error.code}, the DLQ's {@code genai.error.code} header. */
    public String code() {
        return name();
    }

    /** The GenAiResponse statuses a response with this code can have; the meaning says when a second one applies. */
    public List<ResponseStatus> statuses() {
        return statuses;
    }

    public boolean retryMaySucceed() {
        return retry == Retry.MAY_SUCCEED;
    }

    /** One line for people. */
    public String meaning() {
        return meaning;
    }

    /** True when {@code code} (an {@code Error.code} as read, possibly null) is this one. */
    public boolean is(CharSequence code) {
        return code != null && name().contentEquals(code);
    }

    /** The table of docs/SCHEMAS.md, between {@link #TABLE_START} and {@link #TABLE_END}. */
    public static String markdownTable() {
        String rows = Stream.of(values())
                .map(c -> "| `" + c.code() + "` | "
                        + c.statuses.stream().map(ResponseStatus::name).collect(Collectors.joining(", "))
                        + " | " + (c.retryMaySucceed() ? "may succeed" : "same answer")
                        + " | " + c.meaning.replace("|", "\\|") + " |\n")
                .collect(Collectors.joining());
        return TABLE_START + "\n"
                + "| code | response status | the same request again | meaning |\n"
                + "|---|---|---|---|\n"
                + rows
                + TABLE_END + "\n";
    }
}
