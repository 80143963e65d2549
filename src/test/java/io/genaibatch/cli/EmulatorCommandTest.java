package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.emulator.EmulatorOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class EmulatorCommandTest {

    private static EmulatorCommand parse(String... args) {
        EmulatorCommand command = new EmulatorCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void shouldDefaultToTheLibraryDefaultsExceptPort() {
        EmulatorOptions fromCli = parse().options();
        assertThat(fromCli.port()).isEqualTo(8089);
        assertThat(fromCli.toBuilder().port(0).build()).isEqualTo(EmulatorOptions.defaults());
    }

    @Test
    void shouldMapEveryFaultFlagToItsOption() {
        EmulatorOptions o = parse(
                        "--port",
                        "0",
                        "--data-dir",
                        "/tmp/x",
                        "--api-key",
                        "K",
                        "--pending-ms",
                        "5",
                        "--running-ms",
                        "6",
                        "--known-models",
                        "gemini-a,gemini-b",
                        "--embedding-dimension",
                        "8",
                        "--answer-bytes",
                        "2000000",
                        "--seed",
                        "9",
                        "--rate-429",
                        "0.1",
                        "--rate-503",
                        "0.2",
                        "--retry-after",
                        "3",
                        "--job-fail-rate",
                        "0.3",
                        "--job-expire-rate",
                        "0.2",
                        "--job-stuck-rate",
                        "0.1",
                        "--request-error-rate",
                        "0.4",
                        "--request-error-code",
                        "503",
                        "--missing-result-rate",
                        "0.5",
                        "--throttle-bytes-per-second",
                        "1000",
                        "--response-delay-ms",
                        "7",
                        "--inline-out-of-order",
                        "--drop-inline-metadata",
                        "--file-jobs-answer-inline",
                        "--inline-jobs-answer-file",
                        "--request-log-capacity",
                        "10",
                        "--http-threads",
                        "2",
                        "--admin-open")
                .options();
        assertThat(o)
                .isEqualTo(EmulatorOptions.builder()
                        .port(0)
                        .dataDir(Path.of("/tmp/x"))
                        .apiKey("K")
                        .pendingMillis(5)
                        .runningMillis(6)
                        .knownModels(Set.of("gemini-a", "gemini-b"))
                        .embeddingDimension(8)
                        .answerBytes(2_000_000)
                        .seed(9)
                        .rate429(0.1)
                        .rate503(0.2)
                        .retryAfterSeconds(3)
                        .jobFailRate(0.3)
                        .jobExpireRate(0.2)
                        .jobStuckRate(0.1)
                        .requestErrorRate(0.4)
                        .requestErrorCode(503)
                        .missingResultRate(0.5)
                        .throttleBytesPerSecond(1000)
                        .responseDelayMillis(7)
                        .inlineOutOfOrder(true)
                        .dropInlineMetadata(true)
                        .fileJobsAnswerInline(true)
                        .inlineJobsAnswerFile(true)
                        .requestLogCapacity(10)
                        .httpThreads(2)
                        .adminOpen(true)
                        .build());
    }

    @Test
    void shouldDescribeEveryFlagWithItsDefault() {
        StringWriter help = new StringWriter();
        CommandLine cl = new CommandLine(new EmulatorCommand());
        cl.usage(new PrintWriter(help));
        for (CommandLine.Model.OptionSpec option : cl.getCommandSpec().options()) {
            if (option.usageHelp() || option.versionHelp()) {
                continue;
            }
            assertThat(String.join(" ", option.description()))
                    .as(option.longestName())
                    .contains("default");
        }
        assertThat(help.toString())
                .contains("--rate-503")
                .contains("--api-key")
                .contains("--answer-bytes")
                .contains("--data-dir");
    }

    @Test
    void shouldRefuseOutOfRangeRateNamingTheOptionAndValue() {
        java.io.PrintStream old = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        try {
            int code = new CommandLine(new EmulatorCommand()).execute("--rate-429", "1.5");
            assertThat(code).isEqualTo(2);
        } finally {
            System.setErr(old);
        }
        assertThat(captured.toString()).contains("rate429").contains("[0, 1]").contains("1.5");
    }
}
