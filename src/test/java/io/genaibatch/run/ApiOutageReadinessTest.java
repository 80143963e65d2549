package io.genaibatch.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.GeminiApiException;
import io.genaibatch.testkit.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The process's Gemini client (as {@link RoleContext} builds it for the roles) against an emulator that goes away
 * and comes back: the circuit opens, the API-using roles' readiness says so, and it recovers with no new work.
 */
class ApiOutageReadinessTest {
    private static final String KEY = "outage-key";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private GeminiEmulator emulator;
    private RoleContext context;

    @AfterEach
    void stop() {
        if (context != null) {
            context.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    private static GeminiEmulator emulatorOn(int port) throws IOException {
        return GeminiEmulator.start(EmulatorOptions.builder()
                .apiKey(KEY)
                .port(port)
                .runningMillis(100)
                .build());
    }

    private double circuit(String state) {
        return registry.get("genai.gemini.circuit.state")
                .tag("state", state)
                .gauge()
                .value();
    }

    @Test
    void anIdleProcessIsReadyAgainSoonAfterTheApiComesBackWithoutNewWork() throws IOException {
        emulator = emulatorOn(0);
        int port = emulator.port();
        context = new RoleContext(
                GenAiBatchConfig.of(Map.of(
                        "gemini.base-url",
                        emulator.baseUrl(),
                        "gemini.retry.max-attempts",
                        "1",
                        "gemini.circuit.failure-threshold",
                        "3",
                        "gemini.circuit.open-duration",
                        "1s")),
                Map.of("GOOGLE_API_KEY", KEY),
                Telemetry.of(registry));
        BatchApi api = context.gemini();
        try (var jobs = api.list(1)) {
            jobs.findFirst();
        }
        assertThat(context.telemetry().apiReadiness(api).ready()).isTrue();

        emulator.close();
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> api.get("batches/gone")).isInstanceOf(GeminiApiException.class);
        }

        assertThat(circuit("open")).isEqualTo(1);
        assertThatThrownBy(() -> api.get("batches/gone"))
                .isInstanceOfSatisfying(
                        GeminiApiException.class,
                        e -> assertThat(e.isCircuitOpen()).isTrue());
        Readiness down = context.telemetry().apiReadiness(api);
        assertThat(down.ready()).isFalse();
        assertThat(down.problems()).anySatisfy(p -> assertThat(p).contains("circuit is open"));

        emulator = emulatorOn(port);

        Await.until(
                "readiness with no new work",
                Duration.ofSeconds(30),
                () -> context.telemetry().apiReadiness(api),
                Readiness::ready);
        assertThat(circuit("closed")).isEqualTo(1);
    }
}
