package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.genaibatch.cli.JsonLogCapture;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.JobOutcome;
import io.genaibatch.gemini.ApiCircuit;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.CircuitSettings;
import io.genaibatch.gemini.GeminiSettings;
import io.genaibatch.gemini.RetryPolicy;
import io.genaibatch.gemini.RetrySettings;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import io.genaibatch.testkit.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The Gemini client's circuit breaker open while the poller works (review 15c, L3). */
@ExtendWith(KafkaCluster.class)
class PollerCircuitOpenIT {

    /**
     * A job answers NOT_FOUND long enough to be confirmed gone by a list, and the circuit opens under that list (its
     * first attempt meets a 503, the circuit opens at once, the retry is refused). A refusal says the API is
     * unavailable for a while, not that gemini.base-url is wrong: the poller tries later, without the ERROR and the
     * unreadiness meant for a wrong configuration, and without taking the job for gone.
     */
    @Test
    void shouldTryTheGoneCheckLaterWithoutBlamingTheConfigurationWhenTheCircuitRefusesTheList(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(
                        kafka, "circuit-gone", EmulatorOptions.defaults(), dir, Map.of("poll.gone-after", "0s"));
                JsonLogCapture log = new JsonLogCapture()) {
            // Step 1: a running job whose checks answer NOT_FOUND; the first listing of jobs answers 503
            f.emulator.scriptNextJobs(1, JobOutcome.STUCK);
            PollFixture.Batch batch = f.writeBatch("b-circuit-gone", RequestKind.GENERATE, 3, 0);
            String jobName = f.createJob(batch, InputMode.INLINE);
            f.emulator.failNextRequests(1_000, 404, jobName);
            f.emulator.failNextRequests(1, 503, "batches?");
            f.writeJob(batch, jobName, InputMode.INLINE);

            // Step 2: a poller whose client opens its circuit at the first unavailable answer, for longer than the test
            RetrySettings retry = new RetrySettings(
                    2, Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofSeconds(5), Duration.ofSeconds(30));
            ApiCircuit circuit = new ApiCircuit(
                    new CircuitSettings(1, Duration.ofMinutes(10)), Clock.systemUTC(), new SimpleMeterRegistry());
            Poller poller = f.startPoller(BatchApi.open(
                    GeminiSettings.builder()
                            .baseUrl(f.emulator.baseUrl())
                            .apiKey("test-key")
                            .retry(retry)
                            .build(),
                    RetryPolicy.of(retry, circuit)));

            // Step 3: the list is refused by the open circuit
            List<JsonNode> refused = Await.until(
                    "the poller's account of the refused list",
                    Duration.ofSeconds(60),
                    () -> log.events().stream()
                            .filter(e -> e.path("logger").asText().endsWith(".JobRounds")
                                    && e.path("message").asText().contains(jobName)
                                    && e.path("message").asText().contains("list"))
                            .toList(),
                    l -> !l.isEmpty());
            assertThat(circuit.state()).isEqualTo(ApiCircuit.State.OPEN);
            assertThat(refused)
                    .as("what the poller logs about the refused list")
                    .allSatisfy(e -> {
                        assertThat(e.path("level").asText()).isNotEqualTo("ERROR");
                        assertThat(e.path("message").asText()).doesNotContain("gemini.base-url");
                    });
            assertThat(poller.readiness().problems())
                    .as("readiness problems")
                    .noneSatisfy(p -> assertThat(p).contains("gemini.base-url"));
            assertThat(f.awaitJobHistory("b-circuit-gone", j -> true, Duration.ofSeconds(10)))
                    .extracting(BatchJob::getState)
                    .doesNotContain(JobState.FAILED);
        }
    }

    /**
     * Review 15c, L2: during an outage the circuit refuses the check of every due job. The circuit logs its opening;
     * the poller tells the refusals once per outage, with their count, not in a line per due job.
     */
    @Test
    void shouldTellTheRefusalsOfAnOutageInOneLineWithTheirCount(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "circuit-count", EmulatorOptions.defaults(), dir);
                JsonLogCapture log = new JsonLogCapture()) {
            // Step 1: three running jobs, and a poller whose client opens its circuit at the first unavailable answer
            f.emulator.scriptNextJobs(3, JobOutcome.STUCK);
            List<String> batchIds = List.of("b-count-0", "b-count-1", "b-count-2");
            for (String batchId : batchIds) {
                PollFixture.Batch batch = f.writeBatch(batchId, RequestKind.GENERATE, 2, 0);
                f.writeJob(batch, f.createJob(batch, InputMode.INLINE), InputMode.INLINE);
            }
            ApiCircuit circuit = new ApiCircuit(
                    new CircuitSettings(1, Duration.ofSeconds(3)), Clock.systemUTC(), new SimpleMeterRegistry());
            f.startPoller(BatchApi.open(
                    GeminiSettings.builder()
                            .baseUrl(f.emulator.baseUrl())
                            .apiKey("test-key")
                            .retry(RetrySettings.NO_RETRY)
                            .build(),
                    RetryPolicy.of(RetrySettings.NO_RETRY, circuit)));
            for (String batchId : batchIds) {
                f.awaitJobHistory(batchId, j -> j.getState() == JobState.RUNNING, Duration.ofSeconds(30));
            }

            // Step 2: one check answers 503: the circuit opens for 3 s and refuses the checks of the due jobs
            f.emulator.failNextRequests(1, 503, "batches/");
            Await.until("the circuit opened", Duration.ofSeconds(30), () -> circuit.state() != ApiCircuit.State.CLOSED);
            Await.until(
                    "the circuit closed again",
                    Duration.ofSeconds(60),
                    () -> circuit.state() == ApiCircuit.State.CLOSED);

            // Step 3: one line for the open period, with its count, and none per refused job
            List<JsonNode> told = Await.until(
                    "the poller's account of the open period",
                    Duration.ofSeconds(30),
                    () -> refusalLines(log, "CircuitRefusals"),
                    l -> !l.isEmpty());
            assertThat(told)
                    .singleElement()
                    .satisfies(e -> assertThat(e.path("message").asText())
                            .containsPattern("refused [1-9][0-9]* rounds of due jobs"));
            assertThat(refusalLines(log, "JobRounds"))
                    .as("lines per refused job")
                    .isEmpty();
        }
    }

    /** Lines of the poller's class {@code className} at WARN or above that speak of the circuit. */
    private static List<JsonNode> refusalLines(JsonLogCapture log, String className) {
        return log.events().stream()
                .filter(e -> e.path("logger").asText().endsWith("." + className)
                        && !e.path("level").asText().equals("INFO")
                        && !e.path("level").asText().equals("DEBUG")
                        && e.path("message").asText().contains("circuit"))
                .toList();
    }
}
