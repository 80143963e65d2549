package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.JobOutcome;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import io.genaibatch.testkit.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The poller's local cache (poll.cache-dir) holds what open jobs need, and nothing of finished or foreign jobs. */
@ExtendWith(KafkaCluster.class)
class PollerCacheIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void shouldLeaveNoCacheBehindWhateverTheJobsOutcome(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "cache-outcomes", EmulatorOptions.defaults(), dir)) {
            // Step 1: three jobs the test ends FAILED, EXPIRED and CANCELLED, one that SUCCEEDS, one never created
            f.emulator.scriptNextJobs(3, JobOutcome.STUCK);
            PollFixture.Batch failed = f.writeBatch("b-failed", RequestKind.GENERATE, 12, 0);
            PollFixture.Batch expired = f.writeBatch("b-expired", RequestKind.GENERATE, 11, 1);
            PollFixture.Batch cancelled = f.writeBatch("b-cancelled", RequestKind.GENERATE, 13, 0);
            String failedJob = f.createJob(failed, InputMode.INLINE);
            String expiredJob = f.createJob(expired, InputMode.FILE);
            String cancelledJob = f.createJob(cancelled, InputMode.INLINE);
            f.writeJob(failed, failedJob, InputMode.INLINE);
            f.writeJob(expired, expiredJob, InputMode.FILE);
            f.writeJob(cancelled, cancelledJob, InputMode.INLINE);
            f.submitted("b-succeeded", RequestKind.GENERATE, 25, 1, InputMode.FILE);
            PollFixture.Batch refused = f.writeBatch("b-refused", RequestKind.GENERATE, 5, 0);
            f.writeJob(
                    refused,
                    null,
                    InputMode.INLINE,
                    JobState.FAILED,
                    new io.genaibatch.records.Error("CREATE_REFUSED", "the API refused the batch", 400));

            // Step 2: the poller publishes them all
            f.startPoller();
            for (String batchId : List.of("b-failed", "b-expired", "b-cancelled")) {
                f.awaitJobHistory(batchId, j -> j.getState() == JobState.RUNNING, TIMEOUT);
            }
            f.emulator.failNow(failedJob, 500, "the model backend fell over");
            f.emulator.expireNow(expiredJob);
            f.api.cancel(cancelledJob);
            for (String batchId : List.of("b-failed", "b-expired", "b-cancelled", "b-succeeded", "b-refused")) {
                f.awaitPublished(batchId);
            }

            // Step 3: no job's cache is left
            PollFixture.awaitJobCaches(f.cacheRoot(), List::isEmpty, "no job cache left once every job is published");
        }
    }

    @Test
    void shouldDeleteOnAssignmentTheCachesOfJobsNoLongerOpenAndNothingElse(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(
                kafka,
                "cache-sweep",
                EmulatorOptions.builder().jobStuckRate(1.0).build(),
                dir)) {
            CacheDirs ours = new CacheDirs(f.cacheRoot(), f.config.get(ConfigKeys.POLL_GROUP_ID), f.topics.jobs());
            // Step 1: what a crashed or earlier poller left: the cache of a job still RUNNING (kept), of a job since
            // PUBLISHED (by another poller), and of a job genai.jobs does not know at all
            PollFixture.Batch running = f.writeBatch("b-running", RequestKind.GENERATE, 5, 0);
            BatchJob runningJob = f.writeJob(running, f.createJob(running, InputMode.INLINE), InputMode.INLINE);
            PollFixture.Batch done = f.writeBatch("b-done", RequestKind.GENERATE, 5, 1);
            BatchJob doneJob = f.writeJob(done, "batches/done", InputMode.INLINE, JobState.PUBLISHED, null);
            Path keep = plant(ours.jobDir(f.jobsPartitionOf(running.batchId()), runningJob));
            Path published = plant(ours.jobDir(f.jobsPartitionOf(done.batchId()), doneJob));
            Path unknown = plant(ours.partitionDir(0).resolve("b-unknown-0123456789abcdef"));
            // ... and what is not this poller's: another group's partition on the same machine, an old-layout
            // directory, a file of the operator's
            Path otherGroup = plant(new CacheDirs(f.cacheRoot(), "another-group", f.topics.jobs()).jobDir(0, doneJob));
            Path oldLayout = plant(f.cacheRoot().resolve("b-old-0123456789abcdef"));
            Path operatorFile = f.cacheRoot().resolve("README");
            Files.writeString(operatorFile, "ours");

            // Step 2: the poller is assigned both partitions and rebuilds their open jobs
            f.startPoller();
            f.awaitJobHistory(running.batchId(), j -> j.getState() == JobState.RUNNING, TIMEOUT);

            // Step 3: the caches of jobs no longer open are gone, the rest stays
            PollFixture.awaitJobCaches(
                    f.cacheRoot(),
                    dirs -> !dirs.contains(published) && !dirs.contains(unknown),
                    "the caches of b-done and of an unknown job deleted");
            assertThat(keep).as("the cache of the RUNNING job").exists();
            assertThat(otherGroup).as("another group's cache").exists();
            assertThat(oldLayout).as("a directory this poller did not make").exists();
            assertThat(operatorFile).exists();
        }
    }

    @Test
    void shouldDeleteTheCacheOfAJobWhosePartitionIsRevoked(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "cache-revoke", EmulatorOptions.defaults(), dir)) {
            // Step 1: a finished job on each partition of genai.jobs; the first poller cannot commit their
            // publication, so their caches stay while it retries
            String onZero = f.batchIdOnJobsPartition("b-rev-", 0);
            String onOne = f.batchIdOnJobsPartition("b-rev-", 1);
            f.submitted(onZero, RequestKind.GENERATE, 5, 0, InputMode.FILE);
            f.submitted(onOne, RequestKind.GENERATE, 5, 1, InputMode.FILE);
            Poller first = f.startPoller(new PollerHooks() {
                @Override
                public void beforeCommit(String batchId, long publishedThrough) {
                    if (publishedThrough > 0) {
                        throw new IllegalStateException("the test refuses this poller's publications");
                    }
                }
            });
            CacheDirs firstCache =
                    new CacheDirs(f.cacheRoot(), f.config.get(ConfigKeys.POLL_GROUP_ID), f.topics.jobs());
            PollFixture.awaitJobCaches(f.cacheRoot(), dirs -> dirs.size() == 2, "both jobs cached by the first poller");

            // Step 2: a second poller (another machine: its own cache) joins; one partition moves to it
            Poller second = f.startPoller(
                    PollerHooks.NONE,
                    Map.of("poll.cache-dir", dir.resolve("cache-2").toString()));
            Await.until(
                    "the second poller publishing the job of the partition it got",
                    TIMEOUT,
                    () -> second.counters().snapshot().jobStates().getOrDefault(JobState.PUBLISHED, 0L),
                    n -> n >= 1);
            // The poller counts PUBLISHED once its commit returned; a read_committed reader sees the record once the
            // commit's marker is written, which can come a moment later.
            String moved = Await.until(
                            "the PUBLISHED record readable on genai.jobs",
                            TIMEOUT,
                            () -> publishedBatchIds(f),
                            ids -> !ids.isEmpty())
                    .get(0);
            String stayed = moved.equals(onZero) ? onOne : onZero;
            int movedPartition = moved.equals(onZero) ? 0 : 1;

            // Step 3: the first poller deleted the moved job's cache; the job it still owns keeps its cache
            PollFixture.awaitJobCaches(
                    f.cacheRoot(),
                    dirs -> dirs.size() == 1
                            && dirs.get(0).getFileName().toString().startsWith(stayed + "-"),
                    "only the cache of " + stayed + " left at the first poller");
            assertThat(firstCache.partitionDir(movedPartition)).doesNotExist();
            assertThat(first.isRunning()).isTrue();
            PollFixture.awaitJobCaches(
                    dir.resolve("cache-2"), List::isEmpty, "the second poller's cache empty once published");
        }
    }

    // ----- helpers -----

    private static Path plant(Path jobDir) throws IOException {
        Files.createDirectories(jobDir.resolve("index"));
        Files.writeString(jobDir.resolve("results.jsonl"), "{\"key\":\"r-0\",\"response\":{}}\n");
        return jobDir;
    }

    private static List<String> publishedBatchIds(PollFixture f) {
        return f.readAll(f.topics.jobs()).stream()
                .map(r -> RecordCodec.batchJob().decode(r.value()))
                .filter(j -> j.getState() == JobState.PUBLISHED)
                .map(BatchJob::getBatchId)
                .toList();
    }
}
