package io.genaibatch.submit;

import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * When a batch that failed is tried again: {@code initial × 2^(failures-1)} capped at {@code max}, drawn between
 * half and all of it (jitter, so that batches that failed together do not retry together, but never at once:
 * the client already retried quickly inside the call), and never sooner than the server's Retry-After.
 */
record Backoff(Duration initial, Duration max, DoubleSupplier random) {

    Duration delay(int failures, Optional<Duration> retryAfter) {
        long cap = max.toMillis();
        long base = initial.toMillis();
        int shift = Math.min(Math.max(failures - 1, 0), 40);
        long exp = base > (cap >> shift) ? cap : Math.min(cap, base << shift);
        long drawn = exp / 2 + (long) (random.getAsDouble() * (exp - exp / 2));
        Duration d = Duration.ofMillis(drawn);
        if (retryAfter.isPresent() && retryAfter.get().compareTo(d) > 0) {
            d = retryAfter.get();
        }
        return d;
    }
}
