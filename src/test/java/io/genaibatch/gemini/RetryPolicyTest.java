package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** RetryPolicy with a fake clock that only the fake sleeper advances: no real sleeps. */
class RetryPolicyTest {
    private static final RetrySettings SETTINGS = new RetrySettings(
            5, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(60), Duration.ofMinutes(10));

    private final FakeTime time = new FakeTime();
    private final List<String> breakerEvents = new ArrayList<>();

    private RetryPolicy policy(RetrySettings settings, double random) {
        CircuitBreaker recording = new CircuitBreaker() {
            @Override
            public void beforeAttempt(String operation) {
                breakerEvents.add("before " + operation);
            }

            @Override
            public void onSuccess(String operation) {
                breakerEvents.add("success " + operation);
            }

            @Override
            public void onFailure(String operation, GeminiApiException failure) {
                breakerEvents.add("failure " + failure.httpStatus());
            }
        };
        return new RetryPolicy(settings, time, time::sleep, () -> random, recording);
    }

    private static GeminiApiException http(int status, Duration retryAfter) {
        return GeminiApiException.http("get batches/x", status, "S", "m", retryAfter);
    }

    @Test
    void backoffCapDoublesPerAttemptUpToTheMaximum() {
        RetryPolicy top = policy(SETTINGS, 0.999_999);
        assertThat(top.backoff(1)).isEqualTo(Duration.ofMillis(999));
        assertThat(top.backoff(2)).isEqualTo(Duration.ofMillis(1999));
        assertThat(top.backoff(3)).isEqualTo(Duration.ofMillis(3999));
        assertThat(top.backoff(4)).isEqualTo(Duration.ofMillis(7999));
        assertThat(top.backoff(5)).isEqualTo(Duration.ofMillis(7999));
        assertThat(top.backoff(60)).isEqualTo(Duration.ofMillis(7999));
    }

    @Test
    void backoffIsFullJitterFromZero() {
        assertThat(policy(SETTINGS, 0.0).backoff(4)).isZero();
        assertThat(policy(SETTINGS, 0.5).backoff(3)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void shouldRetryRetriableFailuresAndReturnTheResult() {
        AtomicInteger calls = new AtomicInteger();
        String result = policy(SETTINGS, 0.5).call("get batches/x", () -> {
            if (calls.incrementAndGet() < 3) {
                throw http(503, null);
            }
            return "ok";
        });

        assertThat(result).isEqualTo("ok");
        assertThat(calls).hasValue(3);
        assertThat(time.sleeps).containsExactly(Duration.ofMillis(500), Duration.ofMillis(1000));
        assertThat(breakerEvents)
                .containsExactly(
                        "before get batches/x",
                        "failure 503",
                        "before get batches/x",
                        "failure 503",
                        "before get batches/x",
                        "success get batches/x");
    }

    @Test
    void shouldWaitAtLeastTheServersRetryAfter() {
        AtomicInteger calls = new AtomicInteger();
        policy(SETTINGS, 0.5).call("get", () -> {
            if (calls.incrementAndGet() == 1) {
                throw http(429, Duration.ofSeconds(30));
            }
            return null;
        });

        assertThat(time.sleeps).containsExactly(Duration.ofSeconds(30));
    }

    @Test
    void shouldKeepTheLongerBackoffWhenRetryAfterIsShorter() {
        AtomicInteger calls = new AtomicInteger();
        policy(SETTINGS, 0.999_999).call("get", () -> {
            if (calls.incrementAndGet() < 4) {
                throw http(503, Duration.ofMillis(100));
            }
            return null;
        });

        assertThat(time.sleeps)
                .containsExactly(Duration.ofMillis(999), Duration.ofMillis(1999), Duration.ofMillis(3999));
    }

    @Test
    void shouldGiveUpAfterMaxAttemptsWithTheLastFailure() {
        int[] statuses = {500, 502, 503, 504, 408};
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> policy(SETTINGS, 0.5).call("get", () -> {
                    throw http(statuses[calls.getAndIncrement()], null);
                }))
                .isInstanceOfSatisfying(
                        GeminiApiException.class,
                        e -> assertThat(e.httpStatus()).isEqualTo(408));

        assertThat(calls).hasValue(5);
        assertThat(time.sleeps).hasSize(4);
    }

    @Test
    void shouldNotRetryAFailureThatIsNotRetriable() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> policy(SETTINGS, 0.5).call("get", () -> {
                    calls.incrementAndGet();
                    throw http(404, null);
                }))
                .isInstanceOf(GeminiApiException.class);

        assertThat(calls).hasValue(1);
        assertThat(time.sleeps).isEmpty();
    }

    @Test
    void shouldRetryANonIdempotentCallOnlyWhenTheServerCertainlyDidNothing() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> policy(SETTINGS, 0.5).call("create", false, () -> {
                    calls.incrementAndGet();
                    throw GeminiApiException.transport("create", "read timed out", false, null);
                }))
                .isInstanceOf(GeminiApiException.class);
        assertThat(calls).hasValue(1);

        calls.set(0);
        String created = policy(SETTINGS, 0.5).call("create", false, () -> {
            if (calls.incrementAndGet() == 1) {
                throw GeminiApiException.transport("create", "connection refused", true, null);
            }
            if (calls.get() == 2) {
                throw http(429, null);
            }
            return "job";
        });
        assertThat(created).isEqualTo("job");
        assertThat(calls).hasValue(3);
    }

    @Test
    void shouldHandARetryAfterBeyondTheLimitToTheCallerAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> policy(SETTINGS, 0.5).call("get", () -> {
                    calls.incrementAndGet();
                    throw http(429, Duration.ofMinutes(5));
                }))
                .isInstanceOfSatisfying(
                        GeminiApiException.class,
                        e -> assertThat(e.retryAfter()).contains(Duration.ofMinutes(5)));

        assertThat(calls).hasValue(1);
        assertThat(time.sleeps).isEmpty();
    }

    @Test
    void shouldStopRetryingWhenTheTimeBudgetWouldBePassed() {
        RetrySettings shortBudget = new RetrySettings(
                10, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(60), Duration.ofSeconds(20));
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> policy(shortBudget, 0.5).call("get", () -> {
                    calls.incrementAndGet();
                    throw http(503, Duration.ofSeconds(9));
                }))
                .isInstanceOf(GeminiApiException.class);

        // 9 s + 9 s fit in 20 s, a third 9 s does not.
        assertThat(time.sleeps).containsExactly(Duration.ofSeconds(9), Duration.ofSeconds(9));
        assertThat(calls).hasValue(3);
    }

    @Test
    void shouldStopAtOnceWhenInterruptedWhileWaiting() {
        RetryPolicy interrupted = new RetryPolicy(
                SETTINGS,
                time,
                d -> {
                    throw new InterruptedException("shutdown");
                },
                () -> 0.5,
                CircuitBreaker.NONE);
        AtomicInteger calls = new AtomicInteger();
        try {
            assertThatThrownBy(() -> interrupted.call("get", () -> {
                        calls.incrementAndGet();
                        throw http(503, null);
                    }))
                    .isInstanceOfSatisfying(
                            GeminiApiException.class,
                            e -> assertThat(e.getSuppressed()).hasAtLeastOneElementOfType(InterruptedException.class));
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
            assertThat(calls).hasValue(1);
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void shouldLetAnOpenCircuitBreakerRefuseTheCallWithoutReachingTheApi() {
        CircuitBreaker open = new CircuitBreaker() {
            @Override
            public void beforeAttempt(String operation) {
                throw GeminiApiException.http(operation, 503, "CIRCUIT_OPEN", "breaker open", Duration.ofMinutes(10));
            }
        };
        AtomicInteger calls = new AtomicInteger();
        RetryPolicy policy = new RetryPolicy(SETTINGS, time, time::sleep, () -> 0.5, open);

        assertThatThrownBy(() -> policy.call("get", calls::incrementAndGet))
                .isInstanceOfSatisfying(
                        GeminiApiException.class, e -> assertThat(e.status()).isEqualTo("CIRCUIT_OPEN"));
        assertThat(calls).hasValue(0);
    }

    private RetryPolicy policyWithCircuit(
            RetrySettings settings, java.util.function.Supplier<java.util.Optional<String>> open) {
        return new RetryPolicy(settings, time, time::sleep, () -> 0.5, new CircuitBreaker() {
            @Override
            public java.util.Optional<String> openReason() {
                return open.get();
            }
        });
    }

    private static GeminiApiException refusal(Duration retryAfter) {
        return GeminiApiException.circuitOpen("upload f (chunk at 0)", "open", retryAfter);
    }

    @Test
    void anUploadWaitsAnOpenCircuitOutUntilItCloses() {
        RetryPolicy policy = policyWithCircuit(
                SETTINGS, () -> time.sleeps.size() < 3 ? java.util.Optional.of("open") : java.util.Optional.empty());

        assertThat(policy.waitOutOpenCircuit(refusal(Duration.ofSeconds(30)), time.instant()))
                .isTrue();

        // Closed after the third look: not the whole 30 s the refusal named.
        assertThat(time.sleeps).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @Test
    void anUploadGivesUpOnACircuitOpenLongerThanMaxRetryAfter() {
        RetryPolicy policy = policyWithCircuit(SETTINGS, () -> java.util.Optional.of("open"));

        assertThat(policy.waitOutOpenCircuit(refusal(Duration.ofSeconds(61)), time.instant()))
                .isFalse();
        assertThat(time.sleeps).isEmpty();
    }

    @Test
    void anUploadGivesUpWhenTheWaitWouldEndPastMaxElapsedSinceItsLastProgress() {
        RetryPolicy policy = policyWithCircuit(SETTINGS, () -> java.util.Optional.of("open"));
        java.time.Instant lastProgress = time.instant();
        time.sleep(Duration.ofMinutes(9).plusSeconds(45));

        assertThat(policy.waitOutOpenCircuit(refusal(Duration.ofSeconds(30)), lastProgress))
                .isFalse();
        assertThat(policy.waitOutOpenCircuit(refusal(Duration.ofSeconds(10)), lastProgress))
                .isTrue();
    }
}
