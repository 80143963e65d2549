package io.genaibatch.poll;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When to check a job next: {@code initial} after it was submitted, then every {@code age / 10}, never more often
 * than {@code initial} nor less often than {@code max}. A job that ran 20 minutes is checked every 2 minutes:
 * the wait stays a tenth of the time already spent, so a long job costs few calls and a short one finishes late by
 * at most ~10 %. Derived from the job's age alone, so a poller that rebuilt its table after a restart keeps the
 * same rhythm without state of its own.
 */
record PollSchedule(Duration initial, Duration max) {
    private static final int AGE_DIVISOR = 10;

    PollSchedule {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(
                    "poll intervals must satisfy 0 < initial <= max, found initial " + initial + ", max " + max);
        }
    }

    /** How long to wait after a check made at {@code now} of a job submitted at {@code submittedAt}. */
    Duration interval(Instant submittedAt, Instant now) {
        Duration age = Duration.between(submittedAt, now);
        if (age.isNegative()) {
            return initial;
        }
        Duration byAge = age.dividedBy(AGE_DIVISOR);
        if (byAge.compareTo(initial) < 0) {
            return initial;
        }
        return byAge.compareTo(max) > 0 ? max : byAge;
    }

    /** The first check of a job submitted at {@code submittedAt}. */
    Instant firstCheck(Instant submittedAt) {
        return submittedAt.plus(initial);
    }

    /**
     * The next check after a failed call: the server's Retry-After when it asked for one, else the normal interval,
     * whichever is later.
     */
    Instant afterFailure(Instant submittedAt, Instant now, Duration retryAfter) {
        Duration wait = interval(submittedAt, now);
        if (retryAfter != null && retryAfter.compareTo(wait) > 0) {
            wait = retryAfter;
        }
        return now.plus(wait);
    }
}
