package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The breaker's states on a fake clock: no sleeps. */
class ApiCircuitTest {
    private static final Duration OPEN_FOR = Duration.ofSeconds(30);

    private final FakeTime time = new FakeTime();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ApiCircuit circuit = new ApiCircuit(new CircuitSettings(3, OPEN_FOR), time, registry);

    private static GeminiApiException http(int status) {
        return GeminiApiException.http("get batches/x", status, "S", "m", null);
    }

    private static GeminiApiException refused() {
        return GeminiApiException.transport("get batches/x", "Connection refused", true, null);
    }

    private void fail(GeminiApiException failure) {
        circuit.beforeAttempt("get batches/x");
        circuit.onFailure("get batches/x", failure);
    }

    /** The threshold's worth of 503s. */
    private void openIt() {
        for (int i = 0; i < 3; i++) {
            fail(http(503));
        }
    }

    private double state(String state) {
        return registry.get("genai.gemini.circuit.state")
                .tag("state", state)
                .gauge()
                .value();
    }

    @Test
    void opensAfterTheThresholdOfUnavailableAnswersInARowAndThenFailsFastWithTheRemainingTime() {
        fail(refused());
        fail(http(503));
        assertThat(circuit.state()).isEqualTo(ApiCircuit.State.CLOSED);
        fail(http(500));

        assertThat(circuit.state()).isEqualTo(ApiCircuit.State.OPEN);
        assertThat(circuit.openReason()).hasValueSatisfying(r -> assertThat(r).contains("circuit", "open", "500"));
        time.sleep(Duration.ofSeconds(10));
        assertThatThrownBy(() -> circuit.beforeAttempt("get batches/y"))
                .isInstanceOfSatisfying(GeminiApiException.class, e -> {
                    assertThat(e.isRetriable()).isTrue();
                    assertThat(e.isCertainlyNotProcessed()).isTrue();
                    assertThat(e.isCircuitOpen()).isTrue();
                    assertThat(e.retryAfter()).contains(Duration.ofSeconds(20));
                });
        assertThat(state("open")).isEqualTo(1);
        assertThat(state("closed")).isEqualTo(0);
        assertThat(registry.get("genai.gemini.circuit.transitions")
                        .tag("to", "open")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void refusalsOfOneRequestDoNotOpenItAndAnAnswerStartsTheCountAgain() {
        fail(http(503));
        fail(http(503));
        fail(http(400));
        fail(http(404));
        fail(http(503));
        fail(http(503));

        assertThat(circuit.state()).isEqualTo(ApiCircuit.State.CLOSED);
        circuit.beforeAttempt("get batches/x");
    }

    /**
     * A 429 is the API answering that one quota (one model's, one project's) is spent: opening the circuit on it would
     * stop every role and every model and turn readiness red for as long as that quota stays spent. A 408 is an
     * answer too.
     */
    @Test
    void quotaAndTimeoutAnswersDoNotOpenIt() {
        for (int i = 0; i < 10; i++) {
            fail(http(429));
            fail(http(408));
        }

        assertThat(circuit.state()).isEqualTo(ApiCircuit.State.CLOSED);
        fail(http(503));
        fail(http(503));
        assertThat(circuit.state()).isEqualTo(ApiCircuit.State.CLOSED);
    }

    @Test
    void afterTheOpenTimeOneProbeGoesThroughAndItsSuccessClosesTheCircuit() {
        openIt();
        time.sleep(OPEN_FOR);

        circuit.beforeAttempt("get batches/probe");
        assertThat(circuit.state()).isEqualTo(ApiCircuit.State.HALF_OPEN);
        assertThat(state("half_open")).isEqualTo(1);
        assertThatThrownBy(() -> circuit.beforeAttempt("get batches/other"))
                .isInstanceOfSatisfying(
                        GeminiApiException.class,
                        e -> assertThat(e.isCircuitOpen()).isTrue());
        circuit.onSuccess("get batches/probe");

        assertThat(circuit.state()).isEqualTo(ApiCircuit.State.CLOSED);
        assertThat(circuit.openReason()).isEmpty();
        circuit.beforeAttempt("get batches/other");
        assertThat(registry.get("genai.gemini.circuit.transitions")
                        .tag("to", "closed")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void aFailedProbeOpensItForAnotherFullOpenTime() {
        openIt();
        time.sleep(OPEN_FOR);

        fail(refused());

        assertThat(circuit.state()).isEqualTo(ApiCircuit.State.OPEN);
        assertThatThrownBy(() -> circuit.beforeAttempt("get batches/x"))
                .isInstanceOfSatisfying(
                        GeminiApiException.class,
                        e -> assertThat(e.retryAfter()).contains(OPEN_FOR));
    }

    @Test
    void aProbeThatNeverReportsBackDoesNotHoldTheCircuitHalfOpenForever() {
        openIt();
        time.sleep(OPEN_FOR);
        circuit.beforeAttempt("get batches/lost");
        time.sleep(OPEN_FOR);

        circuit.beforeAttempt("get batches/next");
        assertThat(circuit.state()).isEqualTo(ApiCircuit.State.HALF_OPEN);
    }

    @Test
    void itsOwnRefusalsAreNotCountedAsFailuresOfTheApi() {
        openIt();
        time.sleep(OPEN_FOR.minusSeconds(1));
        GeminiApiException refusal = null;
        try {
            circuit.beforeAttempt("get batches/x");
        } catch (GeminiApiException e) {
            refusal = e;
        }
        circuit.onFailure("get batches/x", refusal);
        time.sleep(Duration.ofSeconds(1));

        circuit.beforeAttempt("get batches/probe");
        assertThat(circuit.state()).isEqualTo(ApiCircuit.State.HALF_OPEN);
    }

    @Test
    void aThresholdOfZeroNeverOpensIt() {
        ApiCircuit off = new ApiCircuit(new CircuitSettings(0, OPEN_FOR), time, registry);
        for (int i = 0; i < 100; i++) {
            off.beforeAttempt("get batches/x");
            off.onFailure("get batches/x", http(503));
        }
        assertThat(off.state()).isEqualTo(ApiCircuit.State.CLOSED);
    }

    /**
     * An open circuit fails the call at once, with the time left as its retry-after: the role reschedules its work
     * (a poller sleeping out the open time once per due job between two Kafka polls would pass max.poll.interval).
     */
    @Test
    void theRetryPolicyFailsFastOnAnOpenCircuitInsteadOfWaitingItOut() {
        RetryPolicy policy = new RetryPolicy(
                new RetrySettings(
                        5, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofMinutes(10)),
                time,
                time::sleep,
                () -> 0.0,
                circuit);
        int[] calls = {0};

        assertThatThrownBy(() -> policy.call("get batches/x", () -> {
                    calls[0]++;
                    throw http(503);
                }))
                .isInstanceOfSatisfying(GeminiApiException.class, e -> {
                    assertThat(e.isCircuitOpen()).isTrue();
                    assertThat(e.retryAfter()).contains(OPEN_FOR);
                });
        assertThat(calls[0]).isEqualTo(3);
        assertThat(time.sleeps).doesNotContain(OPEN_FOR);

        assertThatThrownBy(() -> policy.call("get batches/y", () -> "never called"))
                .isInstanceOfSatisfying(
                        GeminiApiException.class,
                        e -> assertThat(e.isCircuitOpen()).isTrue());
        assertThat(time.sleeps).doesNotContain(OPEN_FOR);
        time.sleep(OPEN_FOR);
        assertThat(policy.call("get batches/y", () -> "ok")).isEqualTo("ok");
        assertThat(circuit.state()).isEqualTo(ApiCircuit.State.CLOSED);
    }

    @Test
    void tellsHowLongNoAttemptWasLetThrough() {
        circuit.beforeAttempt("get batches/x");
        time.sleep(Duration.ofSeconds(7));
        assertThat(circuit.idleFor()).isEqualTo(Duration.ofSeconds(7));
    }
}
