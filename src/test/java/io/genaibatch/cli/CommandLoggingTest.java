package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** What a command's log set-up sends where: console and file, text and JSON, and the broker noise it holds back. */
class CommandLoggingTest {
    private static final Logger broker = LoggerFactory.getLogger("kafka.server.ReplicaManager");
    private static final Logger ours = LoggerFactory.getLogger("io.genaibatch.poll.PollLoop");

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    @AfterEach
    void restoreTheBuiltInConfiguration() {
        LoggerContext.getContext(false).reconfigure();
    }

    @Test
    void shouldKeepTheBrokersRetriableOutOfOrderSequenceErrorOffTheConsoleButInTheFile(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("logs").resolve("genai-batch.log");
        CommandLogging.apply(
                new CommandLogging.Setup(CommandLogging.Format.TEXT, file, CommandLogging.Console.ERRORS), console);

        outOfOrderSequence();

        assertThat(console()).isEmpty();
        assertThat(Files.readString(file))
                .contains("Error processing append operation on partition")
                .contains("OutOfOrderSequenceException: Out of order sequence number");
    }

    @Test
    void shouldShowAnyOtherBrokerErrorOnTheConsoleInOneLineWithTheStackTraceInTheFile(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("genai-batch.log");
        CommandLogging.apply(
                new CommandLogging.Setup(CommandLogging.Format.TEXT, file, CommandLogging.Console.ERRORS), console);

        broker.error(
                "[ReplicaManager broker=1] Error processing append operation on partition t-0",
                new IllegalStateException("disk gone"));
        ours.info("batch b-1 job batches/j1: RUNNING -> SUCCEEDED");

        assertThat(console())
                .contains("ERROR ReplicaManager - [ReplicaManager broker=1] Error processing append")
                .contains("(java.lang.IllegalStateException: disk gone)")
                .doesNotContain("\tat ")
                .doesNotContain("RUNNING");
        assertThat(console().lines()).hasSize(1);
        assertThat(Files.readString(file))
                .contains("disk gone")
                .contains("\tat ")
                .contains("INFO  [main] PollLoop - batch b-1 job batches/j1: RUNNING -> SUCCEEDED");
    }

    @Test
    void shouldShowEveryEventOnTheConsoleOfACommandWithoutALogFile() {
        CommandLogging.apply(
                new CommandLogging.Setup(CommandLogging.Format.TEXT, null, CommandLogging.Console.ALL), console);

        outOfOrderSequence();
        ours.info("batch b-1 job batches/j1: RUNNING -> SUCCEEDED");

        assertThat(console())
                .contains("OutOfOrderSequenceException: Out of order sequence number")
                .contains("PollLoop - batch b-1 job batches/j1: RUNNING -> SUCCEEDED");
    }

    @Test
    void shouldWriteOneJsonObjectPerEventWithLevelLoggerMessageContextFieldsAndError() throws Exception {
        CommandLogging.apply(
                new CommandLogging.Setup(CommandLogging.Format.JSON, null, CommandLogging.Console.ALL), console);

        try (MDC.MDCCloseable batch = MDC.putCloseable("batchId", "b-1")) {
            ours.info("job batches/j1: RUNNING -> SUCCEEDED");
        }
        ours.warn("no batch here", new IllegalStateException("boom"));

        ObjectMapper json = new ObjectMapper();
        var lines = console().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode first = json.readTree(lines.get(0));
        assertThat(first.path("level").asText()).isEqualTo("INFO");
        assertThat(first.path("logger").asText()).isEqualTo("io.genaibatch.poll.PollLoop");
        assertThat(first.path("message").asText()).isEqualTo("job batches/j1: RUNNING -> SUCCEEDED");
        assertThat(first.path("batchId").asText()).isEqualTo("b-1");
        assertThat(first.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(first.has("error.type")).isFalse();
        JsonNode second = json.readTree(lines.get(1));
        assertThat(second.has("batchId")).isFalse();
        assertThat(second.path("error.type").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(second.path("error.message").asText()).isEqualTo("boom");
        assertThat(second.path("error.stack").asText()).contains("\tat ");
    }

    private static void outOfOrderSequence() {
        // As the broker logs it (ReplicaManager.appendToLocalLog) on a first write to a partition new to a transaction.
        broker.error(
                "[ReplicaManager broker=1] Error processing append operation on partition "
                        + "genai-batch-accumulate-repartition-3",
                new OutOfOrderSequenceException(
                        "Out of order sequence number for producer 7 at offset 12 in partition "
                                + "genai-batch-accumulate-repartition-3: 1 (incoming seq. number), -1 (current end sequence number)"));
    }

    private String console() {
        return console.toString(StandardCharsets.UTF_8);
    }
}
