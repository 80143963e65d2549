package io.genaibatch.emulator;

/**
 * An error answer in the protocol's shape, {@code {"error": {"code", "message", "status"}}}. Thrown by
 * handlers and turned into the HTTP answer in one place ({@link Router}).
 */
final class ErrorAnswer extends RuntimeException {
    private final int code;
    private final String status;
    /** The google.rpc.ErrorInfo reason sent in {@code details}, e.g. API_KEY_INVALID; null for none. */
    private final String reason;

    ErrorAnswer(int code, String status, String message) {
        this(code, status, message, null);
    }

    ErrorAnswer(int code, String status, String message, String reason) {
        super(message, null, false, false);
        this.code = code;
        this.status = status;
        this.reason = reason;
    }

    String reason() {
        return reason;
    }

    int code() {
        return code;
    }

    String status() {
        return status;
    }

    static ErrorAnswer invalidArgument(String message) {
        return new ErrorAnswer(400, "INVALID_ARGUMENT", message);
    }

    static ErrorAnswer notFound(String message) {
        return new ErrorAnswer(404, "NOT_FOUND", message);
    }

    static ErrorAnswer failedPrecondition(String message) {
        return new ErrorAnswer(400, "FAILED_PRECONDITION", message);
    }

    /** The google.rpc.Code name for an HTTP status, as the real service pairs them. */
    static String statusFor(int httpCode) {
        return switch (httpCode) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 409 -> "ALREADY_EXISTS";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 499 -> "CANCELLED";
            case 501 -> "UNIMPLEMENTED";
            case 503 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> httpCode >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
        };
    }
}
