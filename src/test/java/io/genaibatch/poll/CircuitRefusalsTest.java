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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Refusals of the Gemini client's open circuit, told once per open period (review 15c, L2), on the emulator. */
class CircuitRefusalsTest {
    private static final Duration OPEN_FOR = Duration.ofSeconds(1);

    @Test
    void shouldTellEachOpenPeriodOnceWithItsCountOnceItIsOver() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(EmulatorOptions.defaults());
                BatchApi api = BatchApi.open(
                        GeminiSettings.builder()
                                .baseUrl(emulator.baseUrl())
                                .apiKey("test-key")
                                .retry(RetrySettings.NO_RETRY)
                                .build(),
                        RetryPolicy.of(
                                RetrySettings.NO_RETRY,
                                new ApiCircuit(
                                        new CircuitSettings(1, OPEN_FOR),
                                        Clock.systemUTC(),
                                        new SimpleMeterRegistry())));
                JsonLogCapture log = new JsonLogCapture()) {
            CircuitRefusals refusals = new CircuitRefusals(api, Clock.systemUTC());

            // First open period: two refusals, the first one said to be the first
            emulator.failNextRequests(1, 503);
            assertThat(failure(api).isCircuitOpen())
                    .as("the 503 that opens the circuit")
                    .isFalse();
            assertThat(refusals.count(refusal(api))).isTrue();
            assertThat(refusals.count(refusal(api))).isFalse();
            refusals.settle();
            assertThat(told(log)).as("told while the circuit is still open").isEmpty();

            // Second open period (the probe finds the API unavailable again): the first one is told, with its count
            Thread.sleep(OPEN_FOR.plusMillis(200).toMillis());
            emulator.failNextRequests(1, 503);
            assertThat(failure(api).isCircuitOpen())
                    .as("the probe that meets a 503")
                    .isFalse();
            assertThat(refusals.count(refusal(api))).isTrue();
            assertThat(told(log)).singleElement().asString().contains("refused 2 rounds");

            // The API answers the next probe (a NOT_FOUND is an answer): the second period is told once settled
            Thread.sleep(OPEN_FOR.plusMillis(200).toMillis());
            assertThat(failure(api).httpStatus()).as("the probe's answer").isEqualTo(404);
            refusals.settle();
            refusals.settle();
            assertThat(told(log)).hasSize(2).last().asString().contains("refused 1 rounds");
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
