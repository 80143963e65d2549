package io.genaibatch.testkit;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * The one deadline loop of the tests: waiting for something a component does in its own time (a job advancing on
 * the emulator's scheduler, a record reaching a topic, a role becoming ready). A timeout fails with what was awaited
 * and the last value seen, so a red run says what was missing without a rerun.
 */
public final class Await {
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(25);

    private Await() {}

    /** A look at the state being waited for; it may throw, and then the wait fails with that exception. */
    @FunctionalInterface
    public interface Probe<T> {
        T get() throws Exception;
    }

    /** A condition on the state being waited for. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** Probes every 25 ms until {@code done} holds and returns that value; fails with {@code what} and the last one seen. */
    public static <T> T until(String what, Duration timeout, Probe<T> probe, Predicate<T> done) {
        Outcome<T> outcome = probe(what, timeout, probe, done);
        if (!outcome.done()) {
            throw new AssertionError(
                    "timed out after " + timeout + " waiting for " + what + "; last seen: " + outcome.last());
        }
        return outcome.last();
    }

    /** Checks every 25 ms until {@code condition} holds; fails with {@code what} on timeout. */
    public static void until(String what, Duration timeout, Condition condition) {
        until(what, timeout, condition::holds, Boolean::booleanValue);
    }

    /**
     * Whether {@code condition} comes to hold within {@code timeout} (checked every 25 ms), without failing: for a
     * wait whose end is not what the test asserts, e.g. giving a component the chance to do something before the
     * assertion that follows says whether it was right. {@code what} names the wait if a check throws.
     */
    public static boolean within(String what, Duration timeout, Condition condition) {
        return probe(what, timeout, condition::holds, Boolean::booleanValue).done();
    }

    private record Outcome<T>(T last, boolean done) {}

    private static <T> Outcome<T> probe(String what, Duration timeout, Probe<T> probe, Predicate<T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T last;
            try {
                last = probe.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            } catch (Exception e) {
                throw new AssertionError("probe failed while waiting for " + what, e);
            }
            if (done.test(last)) {
                return new Outcome<>(last, true);
            }
            if (System.nanoTime() - deadline >= 0) {
                return new Outcome<>(last, false);
            }
            pause(what);
        }
    }

    private static void pause(String what) {
        try {
            Thread.sleep(PROBE_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
    }
}
