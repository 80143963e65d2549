package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.genaibatch.cli.JsonLogCapture;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.gemini.ApiCircuit;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.CircuitSettings;
import io.genaibatch.gemini.GeminiApiException;
import io.genaibatch.gemini.GeminiSettings;
import io.genaibatch.gemini.RetryPolicy;
import io.genaibatch.gemini.RetrySettings;
import io.genaibatch.testkit.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Refusals of the Gemini client's open circuit, told once per outage (review 15c, L2; review-18b N6), on the emulator,
 * with a clock the test moves (no real waits).
 */
class CircuitRefusalsTest {
    private static final Duration OPEN_FOR = Duration.ofSeconds(30);

    @Test
    void shouldTellAnOutageOnceWithItsCountWhenTheCircuitClosesAgain() throws Exception {
        ManualClock clock = new ManualClock();
        try (GeminiEmulator emulator = GeminiEmulator.start(EmulatorOptions.defaults());
                BatchApi api = BatchApi.open(
                        GeminiSettings.builder()
                                .baseUrl(emulator.baseUrl())
                                .apiKey("test-key")
                                .retry(RetrySettings.NO_RETRY)
                                .build(),
                        RetryPolicy.of(
                                RetrySettings.NO_RETRY,
                                new ApiCircuit(new CircuitSettings(1, OPEN_FOR), clock, new SimpleMeterRegistry())));
                JsonLogCapture log = new JsonLogCapture()) {
            CircuitRefusals refusals = new CircuitRefusals(api, clock);

            // The circuit opens: two refusals, the first one said to be the first
            emulator.failNextRequests(1, 503);
            assertThat(failure(api).isCircuitOpen())
                    .as("the 503 that opens the circuit")
                    .isFalse();
            assertThat(refusals.count(refusal(api))).isTrue();
            assertThat(refusals.count(refusal(api))).isFalse();
            refusals.settle();
            assertThat(told(log)).as("told while the circuit is still open").isEmpty();

            // The probe finds the API unavailable again and the circuit opens anew: the same outage, not a new one
            clock.advance(OPEN_FOR.plusSeconds(1));
            emulator.failNextRequests(1, 503);
            assertThat(failure(api).isCircuitOpen())
                    .as("the probe that meets a 503")
                    .isFalse();
            assertThat(refusals.count(refusal(api)))
                    .as("a refusal after the circuit opened again")
                    .isFalse();
            refusals.settle();
            assertThat(told(log)).as("told while the circuit is still open").isEmpty();

            // The API answers the next probe (a NOT_FOUND is an answer): the outage is told once, with every refusal
            clock.advance(OPEN_FOR.plusSeconds(1));
            assertThat(failure(api).httpStatus()).as("the probe's answer").isEqualTo(404);
            refusals.settle();
            refusals.settle();
            assertThat(told(log))
                    .singleElement()
                    .asString()
                    .contains("refused 3 rounds")
                    .contains("from " + ManualClock.START)
                    .contains("until a round found it letting calls through again (62 s later)");

            // A later outage is a new one
            emulator.failNextRequests(1, 503);
            failure(api);
            assertThat(refusals.count(refusal(api))).isTrue();
        }
    }

    private static GeminiApiException failure(BatchApi api) {
        return catchThrowableOfType(GeminiApiException.class, () -> api.get("batches/none"));
    }

    private static GeminiApiException refusal(BatchApi api) {
        GeminiApiException e = failure(api);
        assertThat(e.isCircuitOpen())
                .as("refused by the open circuit: " + e.getMessage())
                .isTrue();
        return e;
    }

    private static List<String> told(JsonLogCapture log) {
        return log.events().stream()
                .filter(e -> e.path("logger").asText().endsWith(".CircuitRefusals"))
                .map(e -> e.path("message").asText())
                .toList();
    }
}
