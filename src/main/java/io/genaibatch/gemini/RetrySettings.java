package io.genaibatch.gemini;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link RetryPolicy} retries one call.
 *
 * @param maxAttempts    attempts in all, the first included (1 = no retry)
 * @param initialBackoff the cap of the first backoff; the cap doubles per attempt
 * @param maxBackoff     the largest cap
 * @param maxRetryAfter  a server's Retry-After longer than this is not waited for in the call: the
 *                       error goes to the caller, who can reschedule (e.g. the poller's next round)
 * @param maxElapsed     no retry starts after this much time since the first attempt
 */
public record RetrySettings(
        int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxRetryAfter, Duration maxElapsed) {

    /** The defaults of the gemini.retry.* keys. */
    public static final RetrySettings DEFAULTS = from(GenAiBatchConfig.defaults());

    /** One attempt: errors go straight to the caller. */
    public static final RetrySettings NO_RETRY =
            new RetrySettings(1, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO);

    public RetrySettings {
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("retry maxAttempts must be in [1, 100], found " + maxAttempts);
        }
        positive("initialBackoff", initialBackoff);
        positive("maxBackoff", maxBackoff);
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException(
                    "retry maxBackoff (" + maxBackoff + ") must be >= initialBackoff (" + initialBackoff + ")");
        }
        notNegative("maxRetryAfter", maxRetryAfter);
        notNegative("maxElapsed", maxElapsed);
    }

    /** The gemini.retry.* keys. */
    public static RetrySettings from(GenAiBatchConfig config) {
        return new RetrySettings(
                config.get(ConfigKeys.GEMINI_RETRY_ATTEMPTS),
                config.get(ConfigKeys.GEMINI_RETRY_INITIAL_BACKOFF),
                config.get(ConfigKeys.GEMINI_RETRY_MAX_BACKOFF),
                config.get(ConfigKeys.GEMINI_RETRY_MAX_RETRY_AFTER),
                config.get(ConfigKeys.GEMINI_RETRY_MAX_ELAPSED));
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("retry " + name + " must be > 0, found " + d);
        }
    }

    private static void notNegative(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException("retry " + name + " must be >= 0, found " + d);
        }
    }
}
