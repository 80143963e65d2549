package io.genaibatch.poll;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What {@code poll.policy=retrying} may do: the poll.max-attempts, poll.retry.*, poll.stuck-after and
 * poll.retriable-codes keys, checked together.
 *
 * @param maxAttempts    submissions of a request, its first batch included, before a failure is final
 * @param initialBackoff wait before resubmitting the requests of a job that FAILED at its first attempt
 * @param maxBackoff     the longest such wait
 * @param stuckAfter     a job PENDING or RUNNING this long after its submission is cancelled and split
 * @param retriableCodes per-request error codes (HTTP-style numbers and google.rpc names, upper case) re-batched
 * @param holdExhausted  keep a batch whose retries are spent open for an operator instead of answering it
 */
record PolicySettings(
        int maxAttempts,
        Duration initialBackoff,
        Duration maxBackoff,
        Duration stuckAfter,
        Set<String> retriableCodes,
        boolean holdExhausted) {

    PolicySettings {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(stuckAfter, "stuckAfter");
        retriableCodes = Set.copyOf(retriableCodes);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException(
                    ConfigKeys.POLL_MAX_ATTEMPTS.name() + " must be >= 1, found " + maxAttempts);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException(ConfigKeys.POLL_RETRY_MAX_BACKOFF.name() + " (" + maxBackoff
                    + ") must be >= " + ConfigKeys.POLL_RETRY_INITIAL_BACKOFF.name() + " (" + initialBackoff + ")");
        }
    }

    static PolicySettings from(GenAiBatchConfig config) {
        return new PolicySettings(
                config.get(ConfigKeys.POLL_MAX_ATTEMPTS),
                config.get(ConfigKeys.POLL_RETRY_INITIAL_BACKOFF),
                config.get(ConfigKeys.POLL_RETRY_MAX_BACKOFF),
                config.get(ConfigKeys.POLL_STUCK_AFTER),
                codes(config.get(ConfigKeys.POLL_RETRIABLE_CODES)),
                "hold".equals(config.get(ConfigKeys.POLL_ON_EXHAUSTED)));
    }

    /** The defaults of the keys, for tests and tools that have no configuration. */
    static PolicySettings defaults() {
        return new PolicySettings(
                ConfigKeys.POLL_MAX_ATTEMPTS.defaultValue(),
                ConfigKeys.POLL_RETRY_INITIAL_BACKOFF.defaultValue(),
                ConfigKeys.POLL_RETRY_MAX_BACKOFF.defaultValue(),
                ConfigKeys.POLL_STUCK_AFTER.defaultValue(),
                codes(ConfigKeys.POLL_RETRIABLE_CODES.defaultValue()),
                "hold".equals(ConfigKeys.POLL_ON_EXHAUSTED.defaultValue()));
    }

    static Set<String> codes(String list) {
        return Arrays.stream(list.split(","))
                .map(String::trim)
                .filter(c -> !c.isEmpty())
                .map(c -> c.toUpperCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * When the requests of a job that ended at {@code endedAt} at attempt {@code attempt} are resubmitted:
     * initialBackoff doubled for each attempt after the first, at most maxBackoff. No jitter: the decision must be
     * the same when a restarted poller takes it again.
     */
    Instant resubmitAt(Instant endedAt, int attempt) {
        Duration wait = initialBackoff;
        for (int i = 1; i < attempt && wait.compareTo(maxBackoff) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return endedAt.plus(wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait);
    }
}
