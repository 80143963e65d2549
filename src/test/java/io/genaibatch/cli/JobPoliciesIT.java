package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.Lineage;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.emulator.JobOutcome;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.records.JobState;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.run.Role;
import io.genaibatch.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retrying job policy end to end: the emulator fails, expires and strands jobs and answers requests with
 * errors or not at all, and every request still ends SUCCEEDED, exactly once, with its own answer, with one job per
 * batch attempt (displayName) at the API.
 */
@ExtendWith(KafkaCluster.class)
class JobPoliciesIT {
    private static final Duration WAIT = Duration.ofMinutes(4);

    private GeminiEmulator emulator;
    private PipelineRun run;

    @AfterEach
    void stopEverything() throws Exception {
        if (run != null) {
            run.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    void shouldEndWithEveryRequestSucceededWhenJobsFailExpireOrStickAndRequestsErrOrVanish(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        // Step 1: an API that fails 20 % of jobs, expires 20 %, strands 5 % RUNNING, answers 5 % of requests 503
        // and drops 2 % of results; the poller cancels a job stuck for 6 s. 45 % of jobs go wrong: a request may need
        // many tries in a row (0.45^6: about one in 120 needs six), so 25 attempts are allowed; production keeps 3.
        emulator = GeminiEmulator.start(EmulatorOptions.builder()
                .runningMillis(300)
                .seed(13)
                .jobFailRate(0.2)
                .jobExpireRate(0.2)
                .jobStuckRate(0.05)
                .requestErrorRate(0.05)
                .requestErrorCode(503)
                .missingResultRate(0.02)
                .build());
        run = PipelineRun.configure(
                kafka,
                dir,
                "policies",
                emulator,
                Map.of(
                        "window.max-requests",
                        "300",
                        "window.models.gemini-2.5-flash-lite.max-requests",
                        "150",
                        "poll.max-attempts",
                        "25",
                        "poll.retry.initial-backoff",
                        "200ms",
                        "poll.retry.max-backoff",
                        "1s",
                        "poll.stuck-after",
                        "6s"));
        run.start("accumulate", "submit", "poll");

        // Step 2: 2,400 requests over two generation models and one embedding model
        int requests = 2_400;
        run.produce("pol", 0, requests);

        // Step 3: every request SUCCEEDED exactly once with its own answer
        Map<String, List<PipelineRun.Answer>> responses = run.awaitResponses("pol", requests, WAIT);
        PipelineRun.assertExactlyOneRightResponseEach("pol", requests, responses);

        // Step 4: the faults did happen and were recovered by every kind of child; no displayName created twice
        Map<String, PipelineRun.JobRecord> jobs = run.jobs();
        Set<String> decisions = jobs.values().stream()
                .map(j -> j.lineage().decision())
                .filter(d -> d != null)
                .collect(Collectors.toSet());
        assertThat(decisions).contains(Lineage.RESUBMITTED, Lineage.SPLIT, Lineage.REBATCHED);
        assertThat(jobs.values()).extracting(j -> j.lineage().reason()).contains("JOB_STUCK");
        assertThat(responses.values()).extracting(a -> a.get(0).attempt()).contains(1, 2, 3);
        assertThat(responses.values())
                .allSatisfy(a -> assertThat(a.get(0).rootBatchId())
                        .as("the root named in the header is the answering batch's root")
                        .isEqualTo(jobs.get(a.get(0).response().getBatchId())
                                .lineage()
                                .rootBatchId()));
        assertThat(emulator.jobsCreatedByDisplayName())
                .allSatisfy((name, n) -> assertThat(n).as(name).isEqualTo(1));
        assertThat(jobs.values())
                .allSatisfy(j ->
                        assertThat(j.job().getState()).as(j.job().getBatchId()).isEqualTo(JobState.PUBLISHED));
    }

    @Test
    void shouldAnswerFailedWithTheAttemptCountOnceEveryAttemptFailed(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        // Step 1: every job fails; two attempts allowed
        emulator = GeminiEmulator.start(
                EmulatorOptions.builder().runningMillis(100).jobFailRate(1.0).build());
        run = PipelineRun.configure(
                kafka,
                dir,
                "spent",
                emulator,
                Map.of("poll.max-attempts", "2", "poll.retry.initial-backoff", "100ms", "window.max-wait", "1s"));
        run.start("accumulate", "submit", "poll");

        // Step 2: a few requests
        run.produce("spent", 0, 30);

        // Step 3: each answered FAILED, by the second attempt, saying it was the last; one job per attempt
        Map<String, List<PipelineRun.Answer>> responses = run.awaitResponses("spent", 30, WAIT);
        assertThat(responses.values()).allSatisfy(a -> {
            assertThat(a).hasSize(1);
            assertThat(a.get(0).response().getStatus()).isEqualTo(ResponseStatus.FAILED);
            assertThat(a.get(0).response().getError().getMessage()).contains("final after 2 attempts");
            assertThat(a.get(0).attempt()).isEqualTo(2);
            assertThat(a.get(0).response().getBatchId()).endsWith(".a2");
        });
        assertThat(emulator.jobsCreatedByDisplayName())
                .allSatisfy((name, n) -> assertThat(n).as(name).isEqualTo(1));
        assertThat(emulator.jobsCreatedByDisplayName().keySet()).anyMatch(name -> name.endsWith(".a2"));
    }

    @Test
    void shouldAnswerCancelledWithoutRetryWhenAnOperatorCancelsARunningJob(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        // Step 1: one request, whose job stays RUNNING
        emulator = GeminiEmulator.start(
                EmulatorOptions.builder().runningMillis(100).build());
        emulator.scriptNextJobs(1, JobOutcome.STUCK);
        run = PipelineRun.configure(kafka, dir, "cancel", emulator, Map.of("window.max-wait", "1s"));
        List<Role> roles = run.start("accumulate", "submit", "poll");
        run.produce("cxl", 0, 1);

        // Step 2: once its job runs, the operator cancels it
        String batchId = awaitRunningBatch();
        CliRunner.Result cancel = CliRunner.run(
                Map.of("GEMINI_API_KEY", "test-key"),
                run.cli("jobs", "cancel", batchId, "--gemini-base-url", emulator.baseUrl()));
        assertThat(cancel.exitCode()).as(cancel.err()).isZero();
        assertThat(cancel.out()).contains("CANCELLED");

        // Step 3: its requests are answered CANCELLED, and nothing was resubmitted
        Map<String, List<PipelineRun.Answer>> responses = run.awaitResponses("cxl", 1, WAIT);
        assertThat(responses.values())
                .allSatisfy(a -> assertThat(a.get(0).response().getStatus()).isEqualTo(ResponseStatus.CANCELLED));
        assertThat(emulator.jobsCreatedByDisplayName()).containsOnlyKeys(batchId);
        assertThat(roles)
                .allSatisfy(r -> assertThat(r.stopped().toCompletableFuture()).isNotDone());
    }

    @Test
    void shouldIsolateTheRequestTheApiRefusesAndAnswerTheRestOfItsBatch(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        // Step 1: the API refuses (400) any create that holds request #3
        emulator = GeminiEmulator.start(
                EmulatorOptions.builder().runningMillis(100).build());
        DemoRequests.Demo refused = DemoRequests.make("ref", 3);
        emulator.refuseCreatesContaining(refused.prompt());
        run = PipelineRun.configure(kafka, dir, "refused", emulator, Map.of("window.max-wait", "1s"));
        run.start("accumulate", "submit", "poll");

        // Step 2: 24 requests, eight per model; #3 shares its batch with seven others
        run.produce("ref", 0, 24);

        // Step 3: #3 alone is answered ERROR with the API's reason, every other request SUCCEEDED once
        Map<String, List<PipelineRun.Answer>> responses = run.awaitResponses("ref", 24, WAIT);
        assertThat(responses).allSatisfy((key, a) -> assertThat(a).as(key).hasSize(1));
        PipelineRun.Answer answer = responses.get(refused.key()).get(0);
        assertThat(answer.response().getStatus()).isEqualTo(ResponseStatus.ERROR);
        assertThat(answer.response().getError().getCode()).isEqualTo("CREATE_REFUSED");
        assertThat(answer.response().getError().getMessage()).contains("cannot be accepted");
        assertThat(answer.response().getError().getHttpStatus()).isEqualTo(400);
        responses.remove(refused.key());
        assertThat(responses.values())
                .allSatisfy(a -> assertThat(a.get(0).response().getStatus())
                        .as(a.get(0).response().getRequestId())
                        .isEqualTo(ResponseStatus.SUCCEEDED));
        assertThat(run.jobs().values()).extracting(j -> j.lineage().decision()).contains(Lineage.SPLIT);
        assertThat(emulator.jobsCreatedByDisplayName())
                .allSatisfy((name, n) -> assertThat(n).as(name).isEqualTo(1));
    }

    @Test
    void shouldHoldASpentBatchUntilAnOperatorRetriesThenAnswersIt(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        // Step 1: one request; its first two jobs fail; one attempt allowed, and a spent batch is held
        emulator = GeminiEmulator.start(
                EmulatorOptions.builder().runningMillis(100).build());
        emulator.scriptNextJobs(2, JobOutcome.FAIL);
        run = PipelineRun.configure(
                kafka,
                dir,
                "hold",
                emulator,
                Map.of("window.max-wait", "1s", "poll.max-attempts", "1", "poll.on-exhausted", "hold"));
        run.start("accumulate", "submit", "poll");
        run.produce("hold", 0, 1);

        // Step 2: the batch's job FAILED and it is HELD, shown so by `jobs list --open`; nothing is answered
        String held = awaitDecision(Lineage.HELD);
        CliRunner.Result list = CliRunner.run(run.cli("jobs", "list", "--open"));
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).contains(held).contains("FAILED->HELD");
        assertThat(CliRunner.run(run.cli("jobs", "answer", "no-such-batch")).exitCode())
                .isEqualTo(4);

        // Step 3: `jobs retry` gives it one more attempt, which fails too and is held in turn
        CliRunner.Result retry = CliRunner.run(run.cli("jobs", "retry", held));
        assertThat(retry.exitCode()).as(retry.err()).isZero();
        String child = Lineage.resubmitId(held, 2);
        awaitBatchDecision(child, Lineage.HELD);
        assertThat(CliRunner.run(run.cli("jobs", "retry", held)).exitCode())
                .as("the parent is no longer held")
                .isEqualTo(3);

        // Step 4: `jobs answer` on the child: each request FAILED, once, by attempt 2
        assertThat(CliRunner.run(run.cli("jobs", "answer", child)).exitCode()).isZero();
        Map<String, List<PipelineRun.Answer>> responses = run.awaitResponses("hold", 1, WAIT);
        assertThat(responses.values()).allSatisfy(a -> {
            assertThat(a).hasSize(1);
            assertThat(a.get(0).response().getStatus()).isEqualTo(ResponseStatus.FAILED);
            assertThat(a.get(0).response().getBatchId()).isEqualTo(child);
            assertThat(a.get(0).attempt()).isEqualTo(2);
        });
    }

    private String awaitDecision(String decision) {
        return Await.until(
                        "a batch " + decision,
                        WAIT,
                        () -> run.jobs().values().stream()
                                .filter(j -> decision.equals(j.lineage().decision()))
                                .findFirst(),
                        java.util.Optional::isPresent)
                .orElseThrow()
                .job()
                .getBatchId();
    }

    private void awaitBatchDecision(String batchId, String decision) {
        Await.until(
                "batch " + batchId + " " + decision,
                WAIT,
                () -> run.jobs().get(batchId),
                j -> j != null && decision.equals(j.lineage().decision()));
    }

    private String awaitRunningBatch() {
        return Await.until(
                        "a job RUNNING",
                        WAIT,
                        () -> run.jobs().values().stream()
                                .filter(j -> j.job().getJobName() != null
                                        && emulator.batchState(j.job().getJobName())
                                                .endsWith("RUNNING"))
                                .findFirst(),
                        java.util.Optional::isPresent)
                .orElseThrow()
                .job()
                .getBatchId();
    }
}
