package io.genaibatch.poll;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.gemini.ApiError;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.Error;

/** Turns the API's errors into our {@link Error} records: code = google.rpc status name, or one of ours. */
final class JobErrors {
    private JobErrors() {}

    /** A per-request or job error of the API. */
    static Error of(ApiError e) {
        String code = !e.status().isEmpty() ? e.status() : statusName(e.code());
        String message =
                e.message().isEmpty() ? "the API gave no message (HTTP-style code " + e.code() + ")" : e.message();
        return new Error(code, message, e.code() == 0 ? null : e.code());
    }

    /** The error a finished job's responses carry: the API's when it gave one, else one saying what happened. */
    static Error orDefault(BatchJob job) {
        if (job.getError() != null) {
            return job.getError();
        }
        return forState(job);
    }

    /** Our own error for a job that ended without one from the API. */
    static Error forState(BatchJob job) {
        String name = job.getJobName() + " (batch " + job.getBatchId() + ")";
        return switch (job.getState()) {
            case FAILED ->
                new Error(
                        ErrorCode.JOB_FAILED.code(),
                        "batch job " + name + " FAILED and the API gave no reason; resubmit the requests",
                        null);
            case EXPIRED ->
                new Error(
                        ErrorCode.JOB_EXPIRED.code(),
                        "batch job " + name
                                + " EXPIRED: the service did not finish it in time (48 h); resubmit the requests, in smaller"
                                + " batches if this repeats",
                        null);
            case CANCELLED ->
                new Error(
                        ErrorCode.JOB_CANCELLED.code(),
                        "batch job " + name + " was CANCELLED (by an operator or at the API) before it finished",
                        null);
            // Not a code of the catalogue: asked only of a finished job, this answer is never published.
            default -> new Error("JOB_" + job.getState(), "batch job " + name + " is " + job.getState(), null);
        };
    }

    /** google.rpc.Code name of an HTTP-style code, for errors whose status the SDK dropped. */
    static String statusName(int code) {
        return switch (code) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 408, 504 -> "DEADLINE_EXCEEDED";
            case 409 -> "ABORTED";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 499 -> "CANCELLED";
            case 500 -> "INTERNAL";
            case 501 -> "UNIMPLEMENTED";
            case 503 -> "UNAVAILABLE";
            default -> code == 0 ? "UNKNOWN" : "HTTP_" + code;
        };
    }
}
