package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, as a real process: `genai-batch local --demo N` exits 0 only when all went through,
 * and what a user sees is the demo itself, not the log: progress, then the summary; the log in a file.
 */
class LocalDemoIT {

    @Test
    void shouldRunTheDemoEndToEndWithProgressAndSummaryOnTheConsoleAndTheLogInTheDataDir(@TempDir Path dir)
            throws Exception {
        Path data = dir.resolve("data");
        try (JarProcess local = startDemo(dir, data)) {
            int exit = local.waitFor(Duration.ofMinutes(5));

            assertThat(exit).as(local.describe()).isZero();
            String out = local.stdout();
            assertThat(out)
                    .contains("Publishing 300 demo requests")
                    .contains("exactly once     300 of 300 (0 missing, 0 duplicated, 0 wrong)")
                    .contains("headers kept     300 of 300")
                    .containsPattern("sent 300/300 .* sealed .* in jobs .* answered 300/300")
                    .contains("Demo OK");
            assertThat(out.strip())
                    .as("the summary ends the output")
                    .endsWith("Demo OK: every request got exactly one correct response.");
            // Not a terminal (a file): progress as lines, never carriage-return redraws.
            assertThat(out).doesNotContain("\r");
            String console = out + local.stderr();
            assertThat(console)
                    .as("no log lines and no stack trace on the console")
                    .doesNotContain("\tat ")
                    .doesNotContain("Exception")
                    .doesNotContain(" INFO ")
                    .doesNotContain(" WARN ");

            Path log = data.resolve("logs").resolve("genai-batch.log");
            assertThat(out).contains(log.toString());
            assertThat(log).exists();
            assertThat(Files.readString(log))
                    .contains(" INFO ")
                    .contains("Sealed batch")
                    .contains("PUBLISHED");
        }
    }

    @Test
    void shouldWriteTheLogAsOneJsonObjectPerLineWithLevelLoggerAndMessage(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        try (JarProcess local = startDemo(dir, data, "--log-format", "json", "--verbose")) {
            int exit = local.waitFor(Duration.ofMinutes(5));

            assertThat(exit).as(local.describe()).isZero();
            List<String> consoleLog =
                    local.stderr().lines().filter(l -> !l.isBlank()).toList();
            List<String> fileLog = Files.readAllLines(data.resolve("logs").resolve("genai-batch.log"));
            assertThat(consoleLog).as("--verbose: the log on the console too").isNotEmpty();
            ObjectMapper json = new ObjectMapper();
            for (String line : concat(consoleLog, fileLog)) {
                JsonNode event = json.readTree(line);
                assertThat(event.path("level").asText()).as(line).isNotEmpty();
                assertThat(event.path("logger").asText()).as(line).isNotEmpty();
                assertThat(event.path("message").asText()).as(line).isNotEmpty();
                assertThat(event.path("time").asText()).as(line).isNotEmpty();
            }
            assertThat(fileLog)
                    .anySatisfy(l -> assertThat(json.readTree(l).path("message").asText())
                            .startsWith("Sealed batch"));
        }
    }

    private static JarProcess startDemo(Path dir, Path data, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(
                "local",
                "--demo",
                "300",
                "--kafka-port",
                String.valueOf(KafkaCommandIT.freePort()),
                "--emulator-port",
                String.valueOf(KafkaCommandIT.freePort()),
                "--http-port",
                String.valueOf(KafkaCommandIT.freePort()),
                "--data-dir",
                data.toString()));
        args.addAll(List.of(more));
        return JarProcess.start(dir, args.toArray(String[]::new));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
