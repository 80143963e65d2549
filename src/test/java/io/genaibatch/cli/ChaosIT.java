package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `genai-batch chaos` in a size fit for CI, as a real process that itself runs the broker, the emulator and two
 * processes of each role: roles killed -9 in turn while answers flow and the emulator restarted, with API faults on;
 * every request must end SUCCEEDED exactly once with its own answer and no displayName created twice.
 */
class ChaosIT {

    @Test
    void shouldLoseDoubleAndMisattributeNothingWhileRolesAreKilledAndTheEmulatorRestarts(@TempDir Path dir)
            throws Exception {
        try (JarProcess chaos = JarProcess.start(
                dir,
                "chaos",
                "--requests",
                "1500",
                "--kills",
                "6",
                "--emulator-restarts",
                "1",
                "--timeout",
                "8m",
                "--seed",
                "11",
                "--work-dir",
                dir.resolve("chaos").toString())) {
            int exit = chaos.waitFor(Duration.ofMinutes(10));

            assertThat(exit).as(chaos.describe()).isZero();
            assertThat(chaos.stdout())
                    .contains("kills -9          6 {accumulate=2, poll=2, submit=2}")
                    .contains("missing           0")
                    .contains("duplicated        0")
                    .contains("misattributed     0")
                    .contains("0 created more than once")
                    .contains("responses         {SUCCEEDED=1500}")
                    .contains("Chaos OK");
        }
    }
}
