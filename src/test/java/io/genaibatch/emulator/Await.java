package io.genaibatch.emulator;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waiting, in tests, for something the emulator does in its own time (a job advancing on its scheduler):
 * the emulator's tests and the gemini client's tests against it share this one deadline loop.
 */
public final class Await {
    private Await() {
    }

    /** Probes every 25 ms until {@code done} holds and returns that value; fails with the last one seen. */
    public static <T> T until(Supplier<T> probe, Predicate<T> done, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = probe.get();
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last seen: " + last);
    }
}
