package io.genaibatch.gemini;

import java.util.Objects;

/**
 * A google.rpc.Status as the API reports it: a job's error, or one request's error inside a batch.
 *
 * @param code    HTTP-style code, e.g. 400 (0 when the server gave none)
 * @param status  google.rpc.Code name, e.g. {@code INVALID_ARGUMENT}; "" when the server gave none
 *                (the SDK drops it on inline errors, our own parser keeps it)
 * @param message the server's message, "" when none
 */
public record ApiError(int code, String status, String message) {
    public ApiError {
        status = Objects.requireNonNullElse(status, "");
        message = Objects.requireNonNullElse(message, "");
    }

    /** Same set as {@link GeminiApiException#isRetriableStatus(int)}: worth re-running the request later. */
    public boolean isRetriable() {
        return GeminiApiException.isRetriableStatus(code);
    }

    @Override
    public String toString() {
        return code + (status.isEmpty() ? "" : " " + status) + (message.isEmpty() ? "" : ": " + message);
    }
}
