package io.genaibatch.poll;

import static io.genaibatch.poll.PollFixture.text;
import static io.genaibatch.poll.PollFixture.utf8;
import static io.genaibatch.poll.PollFixture.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Crashes and API trouble: still exactly one response per key. */
@ExtendWith(KafkaCluster.class)
class PollerRecoveryIT {

    /** Thrown by the test hook: escapes every handler of the poller, as a crash would end its thread. */
    static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(String message) {
            super(message);
        }
    }

    /**
     * @param cacheLost true: the new poller starts without the dead one's cache (another machine), so it rebuilds the
     *                  index from genai.batches and downloads the results again; false: it reuses the cache
     */
    @ParameterizedTest(name = "cache lost: {0}")
    @ValueSource(booleans = {true, false})
    void shouldPublishOneResponsePerKeyWhenThePollerCrashesMidPublication(
            boolean cacheLost, KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "crash", EmulatorOptions.defaults(), dir)) {
            // Step 1: a 95-item file job; chunks of 10
            PollFixture.Batch batch = f.submitted("b-crash", RequestKind.GENERATE, 95, 1, InputMode.FILE);

            // Step 2: the first poller dies with the fourth chunk sent but not committed
            crashBeforeCommitThrough(f, 40);

            // Only the three committed chunks are visible; the job's progress says 30
            List<ConsumerRecord<byte[], byte[]>> beforeRestart = f.responses();
            assertThat(beforeRestart).hasSize(30);
            List<BatchJob> history =
                    f.awaitJobHistory("b-crash", j -> j.getPublishedThrough() == 30, Duration.ofSeconds(10));
            assertThat(history.get(history.size() - 1).getState()).isEqualTo(JobState.SUCCEEDED);

            // Step 3: a new poller (its producer fences the dead one's open transaction) resumes at item 31
            if (cacheLost) {
                io.genaibatch.run.FileTrees.delete(dir.resolve("cache"));
            }
            Poller second = f.startPoller();
            BatchJob done = f.awaitPublished("b-crash");
            assertThat(done.getPublishedThrough()).isEqualTo(95);
            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(batch);
            for (BatchItem item : batch.items()) {
                GenAiResponse r = value(byKey.get(utf8(item.getKey())));
                assertThat(r.getStatus()).isEqualTo(ResponseStatus.SUCCEEDED);
                assertThat(text(r.getResponse()))
                        .isEqualTo("echo: " + batch.prompts().get(item.getRequestId()));
            }
            assertThat(second.counters().snapshot().responses(ResponseStatus.SUCCEEDED))
                    .isEqualTo(65);
            // The job's cache is gone once it is published, the dead poller's or the one built again
            PollFixture.awaitJobCaches(f.cacheRoot(), List::isEmpty, "no cache left of the finished job");
        }
    }

    /**
     * Finding 12: a partial publication, then retention deletes the first items of the batch, then another poller
     * (without the dead one's cache) resumes. Items are published in line key order (genai.requests-0-0, -0-1, -0-10,
     * ..., -0-17 first), retention deletes by offset (r-0..r-4): resuming by a count of items would skip the wrong
     * ones.
     */
    @Test
    void shouldResumeAfterTheLastPublishedItemWhenTheBatchsFirstItemsVanished(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "vanish", EmulatorOptions.defaults(), dir)) {
            // Step 1: a 25-item job; the first poller commits one chunk of 10 and dies with the second one sent
            PollFixture.Batch batch = f.submitted("b-vanish", RequestKind.GENERATE, 25, 1, InputMode.FILE);
            crashBeforeCommitThrough(f, 20);
            List<String> published =
                    f.responses().stream().map(r -> value(r).getRequestId()).toList();
            assertThat(published)
                    .as("the first chunk, in line key order")
                    .containsExactlyInAnyOrder(
                            "r-0", "r-1", "r-10", "r-11", "r-12", "r-13", "r-14", "r-15", "r-16", "r-17");

            // Step 2: retention deletes r-0..r-4 (two of them published, three not), then a poller on another
            // machine resumes
            f.deleteItemsBefore(batch, "r-5");
            io.genaibatch.run.FileTrees.delete(dir.resolve("cache"));
            Poller second = f.startPoller();
            BatchJob done = f.awaitPublished("b-vanish");

            // Every request still on genai.batches or published before is answered once, with its own answer; r-2,
            // r-3 and r-4 vanished unpublished: their keys were only in the deleted records
            Map<String, ConsumerRecord<byte[], byte[]>> byKey =
                    f.assertOneResponsePerKey(batch, Set.of("r-2", "r-3", "r-4"));
            for (ConsumerRecord<byte[], byte[]> r : byKey.values()) {
                GenAiResponse response = value(r);
                assertThat(text(response.getResponse()))
                        .isEqualTo("echo: " + batch.prompts().get(response.getRequestId()));
            }
            assertThat(second.counters().snapshot().responses(ResponseStatus.SUCCEEDED))
                    .as("r-18..r-24, r-5..r-9")
                    .isEqualTo(12);
            assertThat(done.getPublishedThrough()).isEqualTo(22);
        }
    }

    /**
     * Records go to the producer as a chunk is built: a failure after some of them were sent (not a crash: the
     * poller goes on, and retries) must abort them, so that the retry publishes each response once.
     */
    @Test
    void shouldPublishEachResponseOnceWhenAChunkFailsAfterSomeOfItsRecordsWereSent(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "midchunk", EmulatorOptions.defaults(), dir)) {
            // A 25-item job in chunks of 10; the 15th record sent (5 into the second chunk) fails once
            PollFixture.Batch batch = f.submitted("b-midchunk", RequestKind.GENERATE, 25, 1, InputMode.FILE);
            java.util.concurrent.atomic.AtomicInteger sends = new java.util.concurrent.atomic.AtomicInteger();
            Poller poller = f.startPoller(new PollerHooks() {
                @Override
                public void afterSend(String batchId) {
                    if (sends.incrementAndGet() == 15) {
                        throw new IllegalStateException("failure while building the chunk through 20 (test)");
                    }
                }
            });
            BatchJob done = f.awaitPublished("b-midchunk");

            assertThat(sends.get())
                    .as("10 committed, 5 that failed, then the 15 left again")
                    .isEqualTo(30);
            assertThat(done.getPublishedThrough()).isEqualTo(25);
            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(batch);
            for (BatchItem item : batch.items()) {
                assertThat(text(value(byKey.get(utf8(item.getKey()))).getResponse()))
                        .isEqualTo("echo: " + batch.prompts().get(item.getRequestId()));
            }
            assertThat(poller.counters().snapshot().responses(ResponseStatus.SUCCEEDED))
                    .as("counted once, after their commits")
                    .isEqualTo(25);
        }
    }

    /**
     * Starts a poller that dies, as a crash would, with the chunk that brings a job's progress to {@code through} sent
     * and not committed; returns once its thread has ended.
     */
    private static void crashBeforeCommitThrough(PollFixture f, long through) throws InterruptedException {
        CountDownLatch crashed = new CountDownLatch(1);
        Poller poller = f.startPoller(new PollerHooks() {
            @Override
            public void beforeCommit(String batchId, long publishedThrough) {
                if (publishedThrough == through) {
                    crashed.countDown();
                    throw new SimulatedCrash("crash with the chunk through " + through + " sent and not committed");
                }
            }
        });
        assertThat(crashed.await(60, TimeUnit.SECONDS))
                .as("the poller reached the chunk through " + through)
                .isTrue();
        assertThat(poller.awaitStopped(Duration.ofSeconds(30)))
                .as("the crashed poller's thread ended")
                .isTrue();
        assertThat(poller.failure()).containsInstanceOf(SimulatedCrash.class);
    }

    @Test
    void shouldNotActOnAStaleRecordWhileATransactionLeftOpenHidesTheNewerOne(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "stale", EmulatorOptions.defaults(), dir)) {
            // Step 1: a job recorded SUCCEEDED, then a producer that died inside a transaction on the same
            // partition (a killed submitter), then the job's PUBLISHED record from the poller that finished it
            PollFixture.Batch batch = f.writeBatch("b-stale", RequestKind.GENERATE, 5, 0);
            String jobName = f.createJob(batch, InputMode.INLINE);
            f.emulator.finishNow(jobName);
            BatchJob succeeded = f.writeJob(batch, jobName, InputMode.INLINE, JobState.SUCCEEDED, null);
            int partition = f.jobsPartitionOf("b-stale");
            try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> dead = f.openTransaction(partition)) {
                f.writeJobRecord(BatchJob.newBuilder(succeeded)
                        .setState(JobState.PUBLISHED)
                        .setPublishedThrough(5)
                        .build());

                // Step 2: a poller takes the partition over (it makes the partition's producer) while the
                // transaction is still open
                java.util.Set<Object> producersMade = java.util.concurrent.ConcurrentHashMap.newKeySet();
                f.startPoller(new PollerHooks() {
                    @Override
                    public org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer(
                            Map<String, Object> properties) {
                        producersMade.add(properties.get("transactional.id"));
                        return PollerHooks.super.producer(properties);
                    }
                });
                String producerOfPartition = f.config.get(io.genaibatch.config.ConfigKeys.POLL_GROUP_ID) + "-"
                        + f.topics.jobs() + "-" + partition;
                Await.until(
                        "the poller taking partition " + partition + " over",
                        Duration.ofSeconds(60),
                        () -> producersMade.contains(producerOfPartition));

                // Step 3: it must not publish from the stale SUCCEEDED record it can see: the batch is done. What is
                // asserted is that nothing happens, so this wait is a time on purpose, counted from the takeover: a
                // dozen rounds (poll.max-interval 300 ms), in which a poller acting on the stale record publishes it.
                Thread.sleep(4000);
                assertThat(f.responses())
                        .as("responses published from a stale record")
                        .isEmpty();
                dead.abortTransaction();
            }
            // Step 4: once the transaction is resolved, a job finished after it on the same partition is published:
            // the poller has then read the partition past the batch's PUBLISHED record and acted on what was due
            String afterId = f.batchIdOnJobsPartition("b-after-", partition);
            PollFixture.Batch after = f.writeBatch(afterId, RequestKind.GENERATE, 3, 0);
            String afterJob = f.createJob(after, InputMode.INLINE);
            f.emulator.finishNow(afterJob);
            f.writeJob(after, afterJob, InputMode.INLINE, JobState.SUCCEEDED, null);
            f.awaitPublished(afterId);
            assertThat(f.responses())
                    .as("responses of the stale batch once the transaction is resolved")
                    .noneMatch(r -> PollFixture.key(r).startsWith("key-b-stale-"));
            f.assertOneResponsePerKey(after);
        }
    }

    @Test
    void shouldKeepPollingThroughRateLimitsHonouringRetryAfter(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        EmulatorOptions options = EmulatorOptions.builder().retryAfterSeconds(1).build();
        try (PollFixture f = PollFixture.start(kafka, "throttled", options, dir)) {
            PollFixture.Batch batch = f.submitted("b-throttled", RequestKind.GENERATE, 15, 0, InputMode.INLINE);
            // The next three calls on this job are refused with 429 and Retry-After: 1
            f.emulator.failNextRequests(3, 429, "batches/");

            long start = System.nanoTime();
            Poller poller = f.startPoller();

            BatchJob done = f.awaitPublished("b-throttled");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(done.getState()).isEqualTo(JobState.PUBLISHED);
            f.assertOneResponsePerKey(batch);
            assertThat(poller.counters().snapshot().apiErrors()).isEqualTo(3);
            assertThat(took)
                    .as("three Retry-After: 1 waited out, not polled through every 100 ms")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        }
    }
}
