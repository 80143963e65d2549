package io.genaibatch.gemini;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The one error type of {@link BatchApi}: an HTTP error answer of the API, or a transport failure
 * (connection refused or reset, timeout), whichever client (the SDK or our own HTTP) made the call.
 *
 * <p>{@link #retryAfter()} is the server's {@code Retry-After}. Our own calls read it from the answer; for
 * calls made through the SDK it is read from the same answer by an interceptor on the SDK's OkHttp client
 * (the SDK's {@code ApiException} does not carry headers).
 */
public final class GeminiApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@link #httpStatus()} of a failure that got no HTTP answer. */
    public static final int NO_HTTP_STATUS = 0;
    /** {@link #status()} of an attempt the circuit breaker refused. */
    private static final String CIRCUIT_OPEN = "CIRCUIT_OPEN";

    private final String operation;
    private final int httpStatus;
    private final String status;
    private final String serverMessage;
    private final boolean retriable;
    private final boolean notProcessed;
    private final transient Duration retryAfter;

    private GeminiApiException(
            String operation,
            int httpStatus,
            String status,
            String serverMessage,
            boolean retriable,
            boolean notProcessed,
            Duration retryAfter,
            Throwable cause) {
        super(describe(operation, httpStatus, status, serverMessage), cause);
        this.operation = Objects.requireNonNull(operation, "operation");
        this.httpStatus = httpStatus;
        this.status = Objects.requireNonNullElse(status, "");
        this.serverMessage = Objects.requireNonNullElse(serverMessage, "");
        this.retriable = retriable;
        this.notProcessed = notProcessed;
        this.retryAfter = retryAfter;
    }

    /** An HTTP error answer. */
    static GeminiApiException http(
            String operation, int httpStatus, String status, String message, Duration retryAfter) {
        return new GeminiApiException(
                operation,
                httpStatus,
                status,
                message,
                isRetriableStatus(httpStatus),
                // 429 says "not admitted": the server did nothing, a create may be sent again.
                httpStatus == 429,
                retryAfter,
                null);
    }

    /**
     * No HTTP answer. {@code connectFailed}: the request never reached the server (so even a create may
     * be sent again); otherwise it may have been processed.
     */
    static GeminiApiException transport(String operation, String message, boolean connectFailed, Throwable cause) {
        return new GeminiApiException(
                operation, NO_HTTP_STATUS, "UNAVAILABLE", message, true, connectFailed, null, cause);
    }

    /**
     * An attempt the {@link CircuitBreaker} refused: it never left this process, so even a create may be sent again,
     * after the retry-after (the time the circuit stays open).
     */
    static GeminiApiException circuitOpen(String operation, String why, Duration retryAfter) {
        return new GeminiApiException(operation, NO_HTTP_STATUS, CIRCUIT_OPEN, why, true, true, retryAfter, null);
    }

    /** A protocol violation by the server (unparsable answer, missing header): not worth retrying. */
    static GeminiApiException protocol(String operation, String message, Throwable cause) {
        return new GeminiApiException(operation, NO_HTTP_STATUS, "INTERNAL", message, false, false, null, cause);
    }

    /** 408, 429, 500, 502, 503, 504: the same request may succeed later. */
    public static boolean isRetriableStatus(int httpStatus) {
        return switch (httpStatus) {
            case 408, 429, 500, 502, 503, 504 -> true;
            default -> false;
        };
    }

    /** What was being done, e.g. {@code get batches/abc}. */
    public String operation() {
        return operation;
    }

    /** The HTTP status, or {@link #NO_HTTP_STATUS} for a transport failure. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The google.rpc.Code name the server gave, e.g. {@code NOT_FOUND}; UNAVAILABLE for transport failures. */
    public String status() {
        return status;
    }

    /** The server's own message, without our prefix. */
    public String serverMessage() {
        return serverMessage;
    }

    /** True when the same call may succeed later (see {@link #isRetriableStatus(int)}, and every transport failure). */
    public boolean isRetriable() {
        return retriable;
    }

    /**
     * True when the server certainly did not act on the request (429, or the connection was never made),
     * so that even a call that is not idempotent (create) may be sent again without creating a second job.
     */
    public boolean isCertainlyNotProcessed() {
        return notProcessed;
    }

    /**
     * The API's own answer that the resource does not exist: HTTP 404 with a JSON error body whose status is
     * NOT_FOUND, or the Files API's 403 for a file that is not there. A 404 page of a proxy or web server (no such
     * body) says nothing about the resource, only about the path.
     */
    public boolean isApiNotFound() {
        return (httpStatus == 404 && "NOT_FOUND".equals(status)) || isMissingFile();
    }

    /**
     * The Files API's answer for a file that is not there (deleted, expired 48 h after upload, never uploaded):
     * 403 PERMISSION_DENIED "... or it may not exist", not 404.
     */
    private boolean isMissingFile() {
        return httpStatus == 403 && serverMessage.contains("or it may not exist");
    }

    /**
     * The API refused the caller, not the call: 401, 403, or a 400 saying the API key is not valid (the service's
     * answer to a wrong key is 400 INVALID_ARGUMENT with reason API_KEY_INVALID). Fixed by an operator, never by
     * changing the request: a batch must wait for it, not fail.
     */
    public boolean isApiKeyRejected() {
        return httpStatus == 401
                || (httpStatus == 403 && !isMissingFile())
                || (httpStatus == 400
                        && (serverMessage.contains("API_KEY_INVALID") || serverMessage.contains("API key not valid")));
    }

    /** No answer from the API: the connection failed, timed out or was reset, or the circuit breaker refused it. */
    public boolean isTransportFailure() {
        return httpStatus == NO_HTTP_STATUS && retriable;
    }

    /** The circuit breaker refused the attempt: the API was not called. */
    public boolean isCircuitOpen() {
        return CIRCUIT_OPEN.equals(status);
    }

    /** The server's Retry-After, when it sent one. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    private static String describe(String operation, int httpStatus, String status, String message) {
        StringBuilder b = new StringBuilder(operation).append(" failed: ");
        if (httpStatus != NO_HTTP_STATUS) {
            b.append("HTTP ").append(httpStatus).append(' ');
        }
        if (status != null && !status.isEmpty()) {
            b.append(status);
        }
        if (message != null && !message.isEmpty()) {
            b.append(": ").append(message);
        }
        return b.toString();
    }
}
