package io.genaibatch.poll;

import static io.genaibatch.poll.PollFixture.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.JobOutcome;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.GeminiSettings;
import io.genaibatch.gemini.RetrySettings;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Jobs that end without results: every request still gets one terminal response, never silence. */
@ExtendWith(KafkaCluster.class)
class PollerJobOutcomesIT {

    @Test
    void shouldAnswerEveryKeyWithFailedWhenTheJobIsGoneAtTheApi(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "deleted", EmulatorOptions.defaults(), dir)) {
            f.emulator.scriptNextJobs(1, JobOutcome.STUCK);
            PollFixture.Batch batch = f.writeBatch("b-deleted", RequestKind.GENERATE, 9, 1);
            String jobName = f.createJob(batch, InputMode.INLINE);
            f.api.delete(jobName);
            f.writeJob(batch, jobName, InputMode.INLINE);

            f.startPoller();

            BatchJob record = f.awaitPublished("b-deleted");
            assertThat(record.getError().getCode()).isEqualTo("JOB_NOT_FOUND");
            assertThat(record.getError().getMessage()).contains(jobName);
            assertOutcome(f.assertOneResponsePerKey(batch), batch, ResponseStatus.FAILED, "JOB_NOT_FOUND");
        }
    }

    @Test
    void shouldNotTakeARunningJobForGoneWhileTheListStillShowsIt(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(
                kafka, "404-listed", EmulatorOptions.defaults(), dir, Map.of("poll.gone-after", "0s"))) {
            // Step 1: a running job whose next six checks answer NOT_FOUND (a flaky proxy, a routing blip)
            f.emulator.scriptNextJobs(1, JobOutcome.STUCK);
            PollFixture.Batch batch = f.writeBatch("b-404-listed", RequestKind.GENERATE, 5, 0);
            String jobName = f.createJob(batch, InputMode.INLINE);
            f.emulator.failNextRequests(6, 404, jobName);
            f.writeJob(batch, jobName, InputMode.INLINE);

            // Step 2: the poller meets the 404s; `list` still shows the job RUNNING, so it is not taken for gone
            f.startPoller();
            // (the poller of the bug stops checking a job it took for gone: then the wait just ends)
            awaitRequests(f, jobName, 8, Duration.ofSeconds(20));
            f.emulator.finishNow(jobName);

            // Step 3: the job's own results answer every request
            BatchJob record = f.awaitPublished("b-404-listed");
            assertThat(record.getError()).as("error of the published job").isNull();
            assertOutcomeSucceeded(f.assertOneResponsePerKey(batch), batch);
        }
    }

    @Test
    void shouldNotTakeAJobForGoneWhileListingFailsToo(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(
                kafka, "404-nolist", EmulatorOptions.defaults(), dir, Map.of("poll.gone-after", "0s"))) {
            // Step 1: a running job whose checks answer NOT_FOUND while every listing of jobs fails (503)
            f.emulator.scriptNextJobs(1, JobOutcome.STUCK);
            PollFixture.Batch batch = f.writeBatch("b-404-nolist", RequestKind.GENERATE, 3, 0);
            String jobName = f.createJob(batch, InputMode.INLINE);
            f.emulator.failNextRequests(1_000, 404, jobName);
            f.emulator.failNextRequests(1_000, 503, "batches?");
            f.writeJob(batch, jobName, InputMode.INLINE);

            // Step 2: the poller meets NOT_FOUND often enough to ask the list, which fails: the job is not gone
            f.startPoller();
            assertThat(awaitRequests(f, "/batches?", 2, Duration.ofSeconds(60)))
                    .as("listings tried")
                    .isTrue();
            assertThat(f.awaitJobHistory("b-404-nolist", j -> true, Duration.ofSeconds(10)))
                    .extracting(BatchJob::getState)
                    .doesNotContain(JobState.FAILED);

            // Step 3: the API answers again: the job's own results answer every request
            f.emulator.clearScriptedFailures();
            f.emulator.finishNow(jobName);
            BatchJob record = f.awaitPublished("b-404-nolist");
            assertThat(record.getError()).as("error of the published job").isNull();
            assertOutcomeSucceeded(f.assertOneResponsePerKey(batch), batch);
        }
    }

    @Test
    void shouldStallWithoutFailingAnythingWhenEveryCallAnswers404ThenRecoverOnceConfiguredRight(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(
                kafka, "404-config", EmulatorOptions.defaults(), dir, Map.of("poll.gone-after", "0s"))) {
            // Step 1: a running job, and a poller configured with an API version the server does not serve
            f.emulator.scriptNextJobs(1, JobOutcome.STUCK);
            PollFixture.Batch batch = f.writeBatch("b-404-config", RequestKind.GENERATE, 4, 1);
            String jobName = f.createJob(batch, InputMode.INLINE);
            f.writeJob(batch, jobName, InputMode.INLINE);
            Poller misconfigured = f.startPoller(BatchApi.open(GeminiSettings.builder()
                    .baseUrl(f.emulator.baseUrl())
                    .apiKey("test-key")
                    .apiVersion("v9")
                    .retry(RetrySettings.NO_RETRY)
                    .build()));

            // Step 2: every call answers 404, the job's too; nothing is recorded against the job, and the poller
            // says it is not ready, and why
            assertThat(awaitRequests(f, "/v9/batches", 10, Duration.ofSeconds(60)))
                    .isTrue();
            assertThat(misconfigured.readiness().problems())
                    .as("readiness of the stalled poller")
                    .anySatisfy(p -> assertThat(p).contains("gemini.base-url"));
            misconfigured.close();
            assertThat(f.awaitJobHistory("b-404-config", j -> true, Duration.ofSeconds(10)))
                    .extracting(BatchJob::getState)
                    .containsOnly(JobState.PENDING);

            // Step 3: configured right, the poller follows the job to its results
            f.startPoller();
            f.emulator.finishNow(jobName);
            BatchJob record = f.awaitPublished("b-404-config");
            assertThat(record.getError()).as("error of the published job").isNull();
            assertOutcomeSucceeded(f.assertOneResponsePerKey(batch), batch);
        }
    }

    @Test
    void shouldStopRetryingAndAnswerWhenASucceededJobIsGoneBeforeItsResultsWereRead(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "gone-output", EmulatorOptions.defaults(), dir)) {
            // Step 1: a job recorded SUCCEEDED whose job (and so its output) the API no longer has
            PollFixture.Batch batch = f.writeBatch("b-gone-output", RequestKind.GENERATE, 6, 0);
            String jobName = f.createJob(batch, InputMode.INLINE);
            f.emulator.finishNow(jobName);
            f.api.delete(jobName);
            f.writeJob(batch, jobName, InputMode.INLINE, JobState.SUCCEEDED, null);

            // Step 2: the poller tries to read the results, finds the job gone a few times in a row, then gives up
            f.startPoller();

            // Step 3: the policy decides (terminal here: FAILED JOB_NOT_FOUND), instead of a retry without end
            BatchJob record = f.awaitPublished("b-gone-output");
            assertThat(record.getError().getCode()).isEqualTo("JOB_NOT_FOUND");
            assertThat(record.getError().getMessage()).contains(jobName).contains("SUCCEEDED");
            assertOutcome(f.assertOneResponsePerKey(batch), batch, ResponseStatus.FAILED, "JOB_NOT_FOUND");
        }
    }

    @Test
    void shouldAnswerEveryKeyWithFailedWhenTheSubmitterCouldNotCreateTheJob(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "refused", EmulatorOptions.defaults(), dir)) {
            // Step 1: a batch the API refused: the submitter records it FAILED, with no job name
            PollFixture.Batch refused = f.writeBatch("b-refused", RequestKind.GENERATE, 7, 0);
            f.writeJob(
                    refused,
                    null,
                    InputMode.INLINE,
                    JobState.FAILED,
                    io.genaibatch.records.Error.newBuilder()
                            .setCode("CREATE_REFUSED")
                            .setMessage("unknown model")
                            .setHttpStatus(404)
                            .build());

            // Step 2: the poller answers every request FAILED with the submitter's reason, then marks it PUBLISHED
            f.startPoller();
            BatchJob published = f.awaitPublished("b-refused");
            assertThat(published.getJobName()).isNull();
            assertOutcome(f.assertOneResponsePerKey(refused), refused, ResponseStatus.FAILED, "CREATE_REFUSED");
        }
    }

    @Test
    void shouldAnswerEveryKeyWhenTheJobFailsExpiresOrIsCancelled(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "outcomes", EmulatorOptions.defaults(), dir)) {
            // Step 1: three jobs that stay RUNNING until the test ends them
            f.emulator.scriptNextJobs(3, JobOutcome.STUCK);
            PollFixture.Batch failed = f.writeBatch("b-failed", RequestKind.GENERATE, 12, 0);
            PollFixture.Batch expired = f.writeBatch("b-expired", RequestKind.GENERATE, 11, 1);
            PollFixture.Batch cancelled = f.writeBatch("b-cancelled", RequestKind.EMBED, 13, 0);
            String failedJob = f.createJob(failed, InputMode.INLINE);
            String expiredJob = f.createJob(expired, InputMode.FILE);
            String cancelledJob = f.createJob(cancelled, InputMode.FILE);
            f.writeJob(failed, failedJob, InputMode.INLINE);
            f.writeJob(expired, expiredJob, InputMode.FILE);
            f.writeJob(cancelled, cancelledJob, InputMode.FILE);

            // Step 2: the poller sees them RUNNING, then they end
            Poller poller = f.startPoller();
            for (String batchId : new String[] {"b-failed", "b-expired", "b-cancelled"}) {
                f.awaitJobHistory(batchId, j -> j.getState() == JobState.RUNNING, Duration.ofSeconds(30));
            }
            f.emulator.failNow(failedJob, 500, "the model backend fell over");
            f.emulator.expireNow(expiredJob);
            f.api.cancel(cancelledJob);

            // Step 3: a terminal response per key with the job's outcome; the job PUBLISHED with its error kept
            BatchJob failedRecord = f.awaitPublished("b-failed");
            BatchJob expiredRecord = f.awaitPublished("b-expired");
            BatchJob cancelledRecord = f.awaitPublished("b-cancelled");
            assertThat(failedRecord.getError().getCode()).isEqualTo("INTERNAL");
            assertThat(failedRecord.getError().getMessage()).isEqualTo("the model backend fell over");
            assertThat(expiredRecord.getError().getCode()).isEqualTo("JOB_EXPIRED");
            assertThat(cancelledRecord.getError().getCode()).isEqualTo("JOB_CANCELLED");
            assertThat(failedRecord.getPublishedThrough()).isEqualTo(12);

            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(failed, expired, cancelled);
            assertOutcome(byKey, failed, ResponseStatus.FAILED, "INTERNAL");
            assertOutcome(byKey, expired, ResponseStatus.EXPIRED, "JOB_EXPIRED");
            assertOutcome(byKey, cancelled, ResponseStatus.CANCELLED, "JOB_CANCELLED");
            PollerCounters.Snapshot counted = poller.counters().snapshot();
            assertThat(counted.responses(ResponseStatus.FAILED)).isEqualTo(12);
            assertThat(counted.responses(ResponseStatus.EXPIRED)).isEqualTo(11);
            assertThat(counted.responses(ResponseStatus.CANCELLED)).isEqualTo(13);
            assertThat(counted.jobStates().get(JobState.FAILED)).isEqualTo(1);
        }
    }

    /** Whether the emulator was called at least {@code count} times on a path containing the text, in time. */
    private static boolean awaitRequests(PollFixture f, String pathContains, int count, Duration timeout) {
        return Await.within(
                count + " requests on " + pathContains,
                timeout,
                () -> f.emulator.recordedRequests().stream()
                                .filter(r -> (r.path() + "?" + r.query()).contains(pathContains))
                                .count()
                        >= count);
    }

    private static void assertOutcomeSucceeded(
            Map<String, ConsumerRecord<byte[], byte[]>> byKey, PollFixture.Batch batch) {
        batch.items().forEach(item -> {
            GenAiResponse r = value(byKey.get(PollFixture.utf8(item.getKey())));
            assertThat(r.getStatus())
                    .as("%s of %s", item.getRequestId(), batch.batchId())
                    .isEqualTo(ResponseStatus.SUCCEEDED);
            assertThat(r.getRequestId()).isEqualTo(item.getRequestId());
        });
    }

    private static void assertOutcome(
            Map<String, ConsumerRecord<byte[], byte[]>> byKey,
            PollFixture.Batch batch,
            ResponseStatus status,
            String code) {
        batch.items().forEach(item -> {
            GenAiResponse r = value(byKey.get(PollFixture.utf8(item.getKey())));
            assertThat(r.getStatus())
                    .as("%s of %s", item.getRequestId(), batch.batchId())
                    .isEqualTo(status);
            assertThat(r.getError().getCode()).isEqualTo(code);
            assertThat(r.getResponse()).isNull();
            assertThat(r.getRequestId()).isEqualTo(item.getRequestId());
            assertThat(r.getMetadata()).isEqualTo(item.getMetadata());
            assertThat(r.getKind()).isEqualTo(batch.kind());
        });
    }
}
