package io.genaibatch.gemini;

import java.util.Optional;

/**
 * The seam where a circuit breaker plugs into {@link RetryPolicy}: asked before every attempt, told the
 * outcome of each. {@link ApiCircuit} is the breaker; {@link CallMeter} listens on the same seam; {@link #NONE} lets
 * every call through.
 */
public interface CircuitBreaker {

    /** Lets every call through and ignores outcomes. */
    CircuitBreaker NONE = new CircuitBreaker() {};

    /**
     * Called before each attempt. An open breaker throws a retriable {@link GeminiApiException} (with a
     * retry-after of its remaining open time, {@link GeminiApiException#isCircuitOpen()}) instead of letting the
     * call reach the API. That refusal is then reported to {@link #onFailure} like any failed attempt.
     */
    default void beforeAttempt(String operation) {}

    default void onSuccess(String operation) {}

    /** Every failed attempt, retried or not. */
    default void onFailure(String operation, GeminiApiException failure) {}

    /** A failed attempt is about to be tried again (after its backoff). */
    default void onRetry(String operation, GeminiApiException failure) {}

    /** Why this breaker refuses attempts now (it is open, or waits for its probe); empty when it lets them through. */
    default Optional<String> openReason() {
        return Optional.empty();
    }

    /** Both breakers, {@code first} asked first: a refusal by either refuses the attempt. */
    static CircuitBreaker both(CircuitBreaker first, CircuitBreaker second) {
        return new CircuitBreaker() {
            @Override
            public void beforeAttempt(String operation) {
                first.beforeAttempt(operation);
                second.beforeAttempt(operation);
            }

            @Override
            public void onSuccess(String operation) {
                first.onSuccess(operation);
                second.onSuccess(operation);
            }

            @Override
            public void onFailure(String operation, GeminiApiException failure) {
                first.onFailure(operation, failure);
                second.onFailure(operation, failure);
            }

            @Override
            public void onRetry(String operation, GeminiApiException failure) {
                first.onRetry(operation, failure);
                second.onRetry(operation, failure);
            }

            @Override
            public Optional<String> openReason() {
                return first.openReason().or(second::openReason);
            }
        };
    }
}
