package io.genaibatch.gemini;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our one retry policy around every API call (the SDK's own retries are switched off, or the two would
 * multiply): exponential backoff with full jitter, a server's Retry-After honoured, at most
 * {@code maxAttempts} attempts within {@code maxElapsed}, and a {@link CircuitBreaker} asked before each
 * attempt.
 *
 * <p>Backoff before attempt n+1 is uniform in [0, min(maxBackoff, initialBackoff × 2^(n-1))] ("full
 * jitter": clients that failed together do not retry together). When the server sent Retry-After, the
 * wait is at least that; a Retry-After beyond {@code maxRetryAfter} ends the call at once, so that the
 * caller can reschedule rather than hold a thread.
 *
 * <p>A call that is not idempotent (create) is only retried when the error proves that the server did
 * not act on it ({@link GeminiApiException#isCertainlyNotProcessed()}): retrying a create that timed out
 * could bill a batch twice. The caller resolves such an outcome by displayName.
 */
public final class RetryPolicy {
    private static final Logger log = LoggerFactory.getLogger(RetryPolicy.class);

    /** Waits; tests pass one that only advances a fake clock. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /** A call to the API; throws {@link GeminiApiException} on failure. */
    @FunctionalInterface
    public interface Call<T> {
        T call();
    }

    /** How often a caller waiting out an open circuit looks whether it closed. */
    private static final Duration CIRCUIT_CHECK = Duration.ofSeconds(1);

    private final RetrySettings settings;
    private final Clock clock;
    private final Sleeper sleeper;
    private final DoubleSupplier random;
    private final CircuitBreaker breaker;

    /**
     * @param random uniform in [0, 1)
     */
    public RetryPolicy(
            RetrySettings settings, Clock clock, Sleeper sleeper, DoubleSupplier random, CircuitBreaker breaker) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.random = Objects.requireNonNull(random, "random");
        this.breaker = Objects.requireNonNull(breaker, "breaker");
    }

    /** Real time, real sleeps, no circuit breaker. */
    public static RetryPolicy of(RetrySettings settings) {
        return of(settings, CircuitBreaker.NONE);
    }

    /** Real time, real sleeps, this breaker told of every attempt. */
    public static RetryPolicy of(RetrySettings settings, CircuitBreaker breaker) {
        return new RetryPolicy(
                settings,
                Clock.systemUTC(),
                d -> Thread.sleep(d.toMillis()),
                () -> ThreadLocalRandom.current().nextDouble(),
                breaker);
    }

    public RetrySettings settings() {
        return settings;
    }

    /** Now, on the clock this policy measures its budgets with. */
    Instant now() {
        return clock.instant();
    }

    /** Why the circuit breaker refuses attempts now; empty when it lets them through. */
    public Optional<String> circuitOpen() {
        return breaker.openReason();
    }

    /** Runs an idempotent call (get, list, cancel, delete, an upload chunk, a download). */
    public <T> T call(String operation, Call<T> call) {
        return call(operation, true, call);
    }

    /**
     * Runs the call, retrying as the class comment says.
     *
     * @throws GeminiApiException the last failure, when it is not retriable or the budget is spent; when
     *                            interrupted while waiting, the last failure with the interrupt flag set
     */
    public <T> T call(String operation, boolean idempotent, Call<T> call) {
        Instant start = clock.instant();
        for (int attempt = 1; ; attempt++) {
            GeminiApiException failure;
            try {
                breaker.beforeAttempt(operation);
                T result = call.call();
                breaker.onSuccess(operation);
                return result;
            } catch (GeminiApiException e) {
                failure = e;
                breaker.onFailure(operation, e);
            }
            Duration delay = delayBeforeRetry(attempt, failure, idempotent, start);
            if (delay == null) {
                throw failure;
            }
            log.info(
                    "{}: attempt {}/{} failed ({}), retrying in {} ms",
                    operation,
                    attempt,
                    settings.maxAttempts(),
                    failure.getMessage(),
                    delay.toMillis());
            breaker.onRetry(operation, failure);
            try {
                sleeper.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.addSuppressed(e);
                throw failure;
            }
        }
    }

    /**
     * For a caller whose state an open circuit would throw away (an upload's session and the bytes the server holds):
     * waits out the refusal when its retry-after is within gemini.retry.max-retry-after and the wait ends within
     * gemini.retry.max-elapsed of {@code since}. Only for callers on a worker thread: the wait holds no Kafka poll
     * loop (the circuit fails fast for the roles' loops, see {@link #delayBeforeRetry}).
     *
     * @param since when the caller last made progress
     * @return true after waiting; false when the caller should give up instead (nothing was waited), or when the
     *         wait was interrupted (the interrupt flag is set)
     */
    public boolean waitOutOpenCircuit(GeminiApiException refusal, Instant since) {
        Duration wait = refusal.retryAfter().orElse(Duration.ZERO);
        if (!refusal.isCircuitOpen()
                || wait.compareTo(settings.maxRetryAfter()) > 0
                || Duration.between(since, clock.instant()).plus(wait).compareTo(settings.maxElapsed()) > 0) {
            return false;
        }
        log.info(
                "{}: the Gemini API circuit is open; waiting up to {} ms for it rather than starting over",
                refusal.operation(),
                wait.toMillis());
        // In steps: a refusal while another caller's probe is out says "the whole open time", but the probe may
        // close the circuit at once.
        Instant until = clock.instant().plus(wait);
        try {
            while (true) {
                // Taken once per step: the clock read for the check may already be past the end of the wait.
                Duration left = Duration.between(clock.instant(), until);
                if (left.isNegative() || left.isZero()) {
                    return true;
                }
                sleeper.sleep(left.compareTo(CIRCUIT_CHECK) < 0 ? left : CIRCUIT_CHECK);
                if (breaker.openReason().isEmpty()) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** How long to wait before the next attempt, or null to give up and throw this failure. */
    Duration delayBeforeRetry(int attemptsMade, GeminiApiException failure, boolean idempotent, Instant start) {
        // An open circuit fails fast: the role reschedules after its retry-after. Waiting it out here would hold the
        // role's thread for the open time on every call (a poller has one call per due job between two Kafka polls).
        if (!failure.isRetriable() || failure.isCircuitOpen() || attemptsMade >= settings.maxAttempts()) {
            return null;
        }
        if (!idempotent && !failure.isCertainlyNotProcessed()) {
            return null;
        }
        Duration delay = backoff(attemptsMade);
        Duration retryAfter = failure.retryAfter().orElse(null);
        if (retryAfter != null) {
            if (retryAfter.compareTo(settings.maxRetryAfter()) > 0) {
                return null;
            }
            if (retryAfter.compareTo(delay) > 0) {
                delay = retryAfter;
            }
        }
        Duration elapsed = Duration.between(start, clock.instant());
        if (elapsed.plus(delay).compareTo(settings.maxElapsed()) > 0) {
            return null;
        }
        return delay;
    }

    /** Full jitter: uniform in [0, min(maxBackoff, initialBackoff × 2^(attemptsMade-1))]. */
    Duration backoff(int attemptsMade) {
        long capMillis = settings.maxBackoff().toMillis();
        long base = settings.initialBackoff().toMillis();
        int shift = Math.min(attemptsMade - 1, 40);
        long exp = base > (capMillis >> shift) ? capMillis : Math.min(capMillis, base << shift);
        return Duration.ofMillis((long) (random.getAsDouble() * exp));
    }
}
