package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.Topics;
import io.genaibatch.records.InputMode;
import io.genaibatch.run.Role;
import io.genaibatch.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole product against a real broker and the emulator, through the real SDK: requests in, one right response
 * per request out (docs/ARCHITECTURE.md, guarantees 1 and 2).
 */
@ExtendWith(KafkaCluster.class)
class PipelineIT {
    private static final int REQUESTS = 10_000;
    private static final Duration WAIT = Duration.ofMinutes(4);

    private GeminiEmulator emulator;
    private PipelineRun run;

    @BeforeEach
    void startEmulator() throws Exception {
        emulator = GeminiEmulator.start(
                EmulatorOptions.builder().runningMillis(300).build());
    }

    @AfterEach
    void stopEverything() throws Exception {
        if (run != null) {
            run.close();
        }
        emulator.close();
    }

    @Test
    void shouldAnswerEveryRequestExactlyOnceWithTheRightResponseOverInlineAndFileJobs(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        // Step 1: topics and all three roles; flash-lite batches are small enough to go inline, flash ones are not
        run = PipelineRun.configure(kafka, dir, "pipeline", emulator, Map.of());
        run.start("accumulate", "submit", "poll");

        // Step 2: 10,000 requests over two generation models and one embedding model, with a header each
        String runId = "p1";
        run.produce(runId, 0, REQUESTS);

        // Step 3: every key answered once, each answer the right one, headers and metadata passed through
        Map<String, List<PipelineRun.Answer>> responses = run.awaitResponses(runId, REQUESTS, WAIT);
        PipelineRun.assertExactlyOneRightResponseEach(runId, REQUESTS, responses);
        assertThat(responses.values())
                .as("answered by the first attempt of the batch named in the response")
                .allSatisfy(a -> {
                    assertThat(a.get(0).attempt()).isEqualTo(1);
                    assertThat(a.get(0).rootBatchId())
                            .isEqualTo(a.get(0).response().getBatchId());
                });

        // Step 4: both job forms were used, and the emulator saw exactly one job per batch
        Map<String, PipelineRun.JobRecord> jobs = run.jobs();
        assertThat(jobs.values()).extracting(j -> j.job().getInputMode()).contains(InputMode.INLINE, InputMode.FILE);
        assertThat(jobs.keySet())
                .allSatisfy(
                        batchId -> assertThat(emulator.jobsCreatedFor(batchId)).isEqualTo(1));
    }

    @Test
    void shouldStillAnswerEveryRequestOnceWhenSubmitterAndPollerRestartMidStream(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        // Step 1: all roles; the submitter and poller are stopped once responses start to arrive
        run = PipelineRun.configure(kafka, dir, "restart", emulator, Map.of());
        List<Role> first = run.start("accumulate", "submit", "poll");

        String runId = "p2";
        run.produce(runId, 0, REQUESTS / 2);
        Map<String, List<PipelineRun.Answer>> seen = new ConcurrentHashMap<>();
        try (TopicTail tail = TopicTail.open(
                new KafkaClients(run.config()), Topics.from(run.config()).responses(), Map.of())) {
            Await.within("500 responses of " + runId, WAIT, () -> {
                tail.poll(Duration.ofMillis(200), r -> PipelineRun.collect(seen, runId, r));
                return seen.size() >= 500;
            });
        }
        assertThat(seen).as("responses before the restart").hasSizeGreaterThanOrEqualTo(500);

        // Step 2: stop submitter and poller mid-stream, publish the second half, start new instances
        first.get(2).close();
        first.get(1).close();
        run.produce(runId, REQUESTS / 2, REQUESTS);
        run.start("submit", "poll");

        // Step 3: still exactly one right response per key, and one job per batch
        Map<String, List<PipelineRun.Answer>> responses = run.awaitResponses(runId, REQUESTS, WAIT);
        PipelineRun.assertExactlyOneRightResponseEach(runId, REQUESTS, responses);
        assertThat(run.jobs().keySet())
                .isNotEmpty()
                .allSatisfy(batchId ->
                        assertThat(emulator.jobsCreatedFor(batchId)).as(batchId).isEqualTo(1));
    }
}
