package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retrying policy with its roles killed: the submitter and the poller run as real `genai-batch run` processes
 * and are killed -9 again and again while jobs fail, expire and strand and requests err. Every request must still
 * end SUCCEEDED exactly once, with its own answer, and no batch attempt may be created twice at the API.
 */
@ExtendWith(KafkaCluster.class)
class JobPoliciesKillIT {
    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final int REQUESTS = 1_200;
    private static final int KILLS = 8;

    @Test
    void shouldEndWithEveryRequestSucceededOnceWhenSubmitterAndPollerAreKilledMidWay(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(EmulatorOptions.builder()
                        .runningMillis(500)
                        .seed(29)
                        .jobFailRate(0.2)
                        .jobExpireRate(0.2)
                        .jobStuckRate(0.05)
                        .requestErrorRate(0.05)
                        .requestErrorCode(503)
                        .missingResultRate(0.02)
                        .build());
                PipelineRun run = PipelineRun.configure(kafka, dir, "policykill", emulator, settings())) {
            // Step 1: the accumulator here; the submitter and the poller as processes of their own
            run.start("accumulate");
            Map<String, JarProcess> roles = new HashMap<>();
            for (String role : List.of("submit", "poll")) {
                roles.put(role, startRole(run, dir, role, emulator));
            }

            // Step 2: the requests, then a kill -9 of a role every few seconds while they are answered
            run.produce("kill", 0, REQUESTS);
            Map<String, List<PipelineRun.Answer>> seen = new ConcurrentHashMap<>();
            Map<String, Integer> kills = new HashMap<>();
            try (TopicTail tail = TopicTail.open(
                    new KafkaClients(run.config()), Topics.from(run.config()).responses(), Map.of())) {
                long deadline = System.nanoTime() + WAIT.toNanos();
                long nextKill = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                int k = 0;
                while (k < KILLS && seen.size() < REQUESTS && System.nanoTime() < deadline) {
                    tail.poll(Duration.ofMillis(200), r -> PipelineRun.collect(seen, "kill", r));
                    if (System.nanoTime() >= nextKill) {
                        String role = k % 2 == 0 ? "poll" : "submit";
                        roles.get(role).kill();
                        kills.merge(role, 1, Integer::sum);
                        roles.put(role, startRole(run, dir, role, emulator));
                        k++;
                        nextKill = System.nanoTime() + Duration.ofSeconds(4).toNanos();
                    }
                }
            }
            assertThat(kills.values().stream().mapToInt(Integer::intValue).sum())
                    .as("kills while requests were open")
                    .isEqualTo(KILLS);

            // Step 3: every request SUCCEEDED exactly once with its own answer; one job per batch attempt
            try {
                Map<String, List<PipelineRun.Answer>> responses = run.awaitResponses("kill", REQUESTS, WAIT);
                PipelineRun.assertExactlyOneRightResponseEach("kill", REQUESTS, responses);
                assertThat(emulator.jobsCreatedByDisplayName())
                        .allSatisfy((name, n) ->
                                assertThat(n).as("jobs created for %s", name).isEqualTo(1));
            } finally {
                for (JarProcess p : roles.values()) {
                    p.close();
                }
            }
        }
    }

    private static Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>(Map.of(
                "window.max-requests",
                "200",
                "window.models.gemini-2.5-flash-lite.max-requests",
                "100",
                "poll.max-attempts",
                "25",
                "poll.retry.initial-backoff",
                "200ms",
                "poll.retry.max-backoff",
                "1s",
                "poll.stuck-after",
                "6s"));
        // A killed member's partitions move after 6 s, and the restarted submitter, with the same instance id,
        // aborts the transaction its predecessor left open at once.
        settings.putAll(Map.of(
                "submit.instance-id",
                "killed",
                "kafka.properties.session.timeout.ms",
                "6000",
                "kafka.properties.transaction.timeout.ms",
                "15000"));
        // The emulator lists a job as soon as it exists: a killed run's intents need no long lookup.
        settings.putAll(Map.of("gemini.request-timeout", "10s", "submit.create-lookup-window", "10s"));
        return settings;
    }

    private static JarProcess startRole(PipelineRun run, Path dir, String role, GeminiEmulator emulator)
            throws Exception {
        return JarProcess.start(
                dir.resolve(role),
                Map.of("GEMINI_API_KEY", "test-key"),
                run.cliWithEverySetting(
                        "run", "--roles", role, "--http-port", "0", "--gemini-base-url", emulator.baseUrl()));
    }
}
