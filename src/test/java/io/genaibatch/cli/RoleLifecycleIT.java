package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.run.Role;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The three roles on a real broker and the emulator start, stop and say so alike (docs/OPERATIONS.md). */
@ExtendWith(KafkaCluster.class)
class RoleLifecycleIT {
    private static final List<String> ROLES = List.of("accumulate", "submit", "poll");

    @TempDir
    static Path dir;

    private static GeminiEmulator emulator;

    @BeforeAll
    static void startEmulator() throws Exception {
        emulator = GeminiEmulator.start(
                EmulatorOptions.builder().runningMillis(200).build());
    }

    @AfterAll
    static void stopEmulator() {
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    void everyRoleRefusesASecondStart(KafkaCluster kafka) throws Exception {
        try (PipelineRun run =
                PipelineRun.configure(kafka, dir.resolve("twice"), "lifecycle-twice", emulator, Map.of())) {
            for (Role role : run.start(ROLES.toArray(String[]::new))) {
                assertThatThrownBy(role::start)
                        .as(role.name())
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage("role " + role.name() + " was already started; a role starts once");
            }
        }
    }

    @Test
    void everyRoleClosedFromTwoThreadsAtOnceHasStoppedWhenEitherCloseReturns(KafkaCluster kafka) throws Exception {
        try (PipelineRun run = PipelineRun.configure(kafka, dir.resolve("two"), "lifecycle-two", emulator, Map.of())) {
            for (Role role : run.start(ROLES.toArray(String[]::new))) {
                CountDownLatch go = new CountDownLatch(1);
                List<CompletableFuture<Boolean>> closes = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    closes.add(CompletableFuture.supplyAsync(() -> {
                        awaitQuietly(go);
                        role.close();
                        return role.stopped().toCompletableFuture().isDone();
                    }));
                }
                go.countDown();

                assertThat(closes)
                        .as(role.name() + ": stopped when each close returned")
                        .allSatisfy(c -> assertThat(c.join()).isTrue());
                assertThat(role.stopped().toCompletableFuture()).as(role.name()).isNotCompletedExceptionally();
            }
        }
    }

    @Test
    void everyRoleLogsTheSameLinesAtStartAndStop(KafkaCluster kafka) throws Exception {
        try (JsonLogCapture log = new JsonLogCapture();
                PipelineRun run =
                        PipelineRun.configure(kafka, dir.resolve("lines"), "lifecycle-lines", emulator, Map.of())) {
            List<Role> roles = run.start(ROLES.toArray(String[]::new));
            for (int i = roles.size() - 1; i >= 0; i--) {
                roles.get(i).close();
            }

            List<String> lines = log.events().stream()
                    .map(e -> e.get("message").asText())
                    .filter(m -> m.startsWith("Role "))
                    .toList();
            for (String name : ROLES) {
                assertThat(lines)
                        .as(name)
                        .filteredOn(m -> m.startsWith("Role " + name + " "))
                        .satisfiesExactly(
                                started -> assertThat(started).matches("Role " + name + " started in \\d+ ms: .+"),
                                stopping -> assertThat(stopping).isEqualTo("Role " + name + " stopping"),
                                stopped -> assertThat(stopped).matches("Role " + name + " stopped in \\d+ ms"));
            }
            assertThat(log.events())
                    .as("the lines are the role's logger's")
                    .filteredOn(e -> e.get("message").asText().startsWith("Role "))
                    .extracting(e -> e.get("logger").asText())
                    .doesNotContain("io.genaibatch.run.RoleLifecycle");
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
