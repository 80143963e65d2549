package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, as a real process: `genai-batch local --demo N` exits 0 only when all went through. */
class LocalDemoIT {

    @Test
    void shouldRunTheDemoEndToEndAndExitZero(@TempDir Path dir) throws Exception {
        try (JarProcess local = JarProcess.start(dir, "local", "--demo", "300",
                "--kafka-port", String.valueOf(KafkaCommandIT.freePort()),
                "--emulator-port", String.valueOf(KafkaCommandIT.freePort()),
                "--http-port", String.valueOf(KafkaCommandIT.freePort()),
                "--data-dir", dir.resolve("data").toString())) {
            int exit = local.waitFor(Duration.ofMinutes(5));

            assertThat(exit).as(local.describe()).isZero();
            assertThat(local.stdout()).contains("Published 300 demo requests")
                    .contains("exactly once     300 of 300 (0 missing, 0 duplicated, 0 wrong)")
                    .contains("headers kept     300 of 300")
                    .contains("Demo OK");
        }
    }
}
