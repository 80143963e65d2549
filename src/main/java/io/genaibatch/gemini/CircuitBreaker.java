package io.genaibatch.gemini;

/**
 * The seam where a circuit breaker plugs into {@link RetryPolicy}: asked before every attempt, told the
 * outcome of each. Not built yet; {@link #NONE} lets every call through.
 */
public interface CircuitBreaker {

    /** Lets every call through and ignores outcomes. */
    CircuitBreaker NONE = new CircuitBreaker() {
    };

    /**
     * Called before each attempt. An open breaker throws a retriable {@link GeminiApiException} (with a
     * retry-after of its remaining open time) instead of letting the call reach the API.
     */
    default void beforeAttempt(String operation) {
    }

    default void onSuccess(String operation) {
    }

    /** Every failed attempt, retried or not. */
    default void onFailure(String operation, GeminiApiException failure) {
    }

    /** A failed attempt is about to be tried again (after its backoff). */
    default void onRetry(String operation, GeminiApiException failure) {
    }
}
