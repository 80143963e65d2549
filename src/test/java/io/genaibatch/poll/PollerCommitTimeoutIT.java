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
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A commit of the poller that times out (hardening #14, finding 6): the partition goes on, nothing doubled. */
@ExtendWith(KafkaCluster.class)
class PollerCommitTimeoutIT {

    /**
     * Calls {@code call} with the thread's interrupt flag set, so that its wait on the coordinator ends at once, and
     * returns the TimeoutException a slow coordinator gives (counted in {@code timeouts}).
     */
    private static TimeoutException cutShort(Runnable call, AtomicInteger timeouts, String awaiting) {
        Thread.currentThread().interrupt();
        try {
            call.run();
            throw new AssertionError("the call awaiting " + awaiting + " was expected to stop waiting");
        } catch (InterruptException e) {
            Thread.interrupted();
            timeouts.incrementAndGet();
            return new TimeoutException("Timeout expired after max.block.ms while awaiting " + awaiting);
        }
    }

    /**
     * A real producer whose commits give up waiting while a shared budget of timeouts lasts, as a commit does after
     * max.block.ms when the transaction coordinator is slow to answer. The commit is really begun (EndTxn is on its
     * way to the broker) and the real client is left exactly as after a timed-out commit: only commitTransaction
     * again (or close) is allowed, abort is refused. The wait is cut short by the thread's interrupt flag, the one way
     * to end it early from outside; KafkaProducer documents an InterruptException there as the same situation as a
     * TimeoutException ("it is safe to retry in either case, but it is not possible to attempt a different
     * operation"), and it is reported as the TimeoutException a slow coordinator gives. The broker cannot be slowed
     * on demand, and the shared test broker cannot be stopped.
     */
    static final class CommitsTimeOut extends KafkaProducer<byte[], byte[]> {
        private final AtomicInteger timeouts;
        private final int budget;

        CommitsTimeOut(Map<String, Object> properties, AtomicInteger timeouts, int budget) {
            super(properties, new ByteArraySerializer(), new ByteArraySerializer());
            this.timeouts = timeouts;
            this.budget = budget;
        }

        @Override
        public void commitTransaction() {
            if (timeouts.get() >= budget) {
                super.commitTransaction();
                return;
            }
            throw cutShort(() -> super.commitTransaction(), timeouts, "EndTxn(COMMIT)");
        }
    }

    /**
     * A real producer whose first sendOffsetsToTransaction stops waiting the same way. Unlike a commit, that call leaves
     * no operation pending in the client (TransactionManager.sendOffsetsToTransaction only checks for one), so the
     * poller's abort is allowed and the chunk is published again at the next round.
     */
    static final class FirstOffsetsTimeOut extends KafkaProducer<byte[], byte[]> {
        private final AtomicInteger timeouts;

        FirstOffsetsTimeOut(Map<String, Object> properties, AtomicInteger timeouts) {
            super(properties, new ByteArraySerializer(), new ByteArraySerializer());
            this.timeouts = timeouts;
        }

        @Override
        public void sendOffsetsToTransaction(
                Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
            if (timeouts.get() > 0) {
                super.sendOffsetsToTransaction(offsets, groupMetadata);
                return;
            }
            throw cutShort(() -> super.sendOffsetsToTransaction(offsets, groupMetadata), timeouts, "TxnOffsetCommit");
        }
    }

    /**
     * A real producer whose first {@code budget} aborts stop waiting the same way, and that notes of each abort whether
     * it is the one owed before a transaction begins (called from JobPartitions.begin) or one made after a failure.
     */
    static final class AbortsTimeOut extends KafkaProducer<byte[], byte[]> {
        private final AtomicInteger timeouts;
        private final int budget;
        private final AtomicInteger offsetsTimeouts = new AtomicInteger();
        private final int offsetsBudget;
        final List<String> aborts = new java.util.concurrent.CopyOnWriteArrayList<>();

        /** @param offsetsBudget how many sendOffsetsToTransaction calls time out first (none: 0) */
        AbortsTimeOut(Map<String, Object> properties, AtomicInteger timeouts, int budget, int offsetsBudget) {
            super(properties, new ByteArraySerializer(), new ByteArraySerializer());
            this.timeouts = timeouts;
            this.budget = budget;
            this.offsetsBudget = offsetsBudget;
        }

        @Override
        public void sendOffsetsToTransaction(
                Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
            if (offsetsTimeouts.get() >= offsetsBudget) {
                super.sendOffsetsToTransaction(offsets, groupMetadata);
                return;
            }
            throw cutShort(
                    () -> super.sendOffsetsToTransaction(offsets, groupMetadata), offsetsTimeouts, "TxnOffsetCommit");
        }

        @Override
        public void abortTransaction() {
            boolean owed = StackWalker.getInstance()
                    .walk(frames -> frames.anyMatch(f -> f.getClassName().equals(JobPartitions.class.getName())
                            && f.getMethodName().equals("begin")));
            String call = owed ? "owed, before a begin" : "after a failure";
            if (timeouts.get() >= budget) {
                aborts.add(call);
                super.abortTransaction();
                return;
            }
            aborts.add(call + ": timed out");
            throw cutShort(() -> super.abortTransaction(), timeouts, "EndTxn(ABORT)");
        }
    }

    /**
     * A chunk fails after some of its records were sent, and the abort of its transaction times out (a coordinator
     * slow to answer): the abort is owed, and made before the next transaction begins, so publication goes on. When
     * that owed abort times out again (review-18b N7), the round ends there and the abort is owed to the next round,
     * not tried a second time at once (each try can hold the poll thread for max.block.ms).
     *
     * @param abortsTimingOut aborts in a row that time out: the failed chunk's, then the owed ones
     */
    @ParameterizedTest(name = "aborts timing out: {0}")
    @ValueSource(ints = {1, 2})
    void shouldPublishEveryResponseOnceWhenTheAbortOfAFailedChunkTimesOut(
            int abortsTimingOut, KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "aborttimeout", EmulatorOptions.defaults(), dir)) {
            PollFixture.Batch batch = f.writeBatch("b-abort-timeout", RequestKind.GENERATE, 25, 0);
            String jobName = f.createJob(batch, InputMode.INLINE);
            f.emulator.finishNow(jobName);
            f.writeJob(batch, jobName, InputMode.INLINE);

            AtomicInteger timedOut = new AtomicInteger();
            AtomicInteger sends = new AtomicInteger();
            List<AbortsTimeOut> producers = new java.util.concurrent.CopyOnWriteArrayList<>();
            Poller poller = f.startPoller(new PollerHooks() {
                @Override
                public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                    AbortsTimeOut producer = new AbortsTimeOut(properties, timedOut, abortsTimingOut, 0);
                    producers.add(producer);
                    return producer;
                }

                @Override
                public void afterSend(String batchId) {
                    if (sends.incrementAndGet() == 15) {
                        throw new IllegalStateException("failure while building the chunk through 20 (test)");
                    }
                }
            });

            BatchJob done = f.awaitPublished("b-abort-timeout");
            assertThat(done.getPublishedThrough()).isEqualTo(25);
            f.assertOneResponsePerKey(batch);
            assertThat(poller.isRunning()).isTrue();
            List<String> expected = new java.util.ArrayList<>(List.of("after a failure: timed out"));
            for (int i = 1; i < abortsTimingOut; i++) {
                expected.add("owed, before a begin: timed out");
            }
            expected.add("owed, before a begin");
            assertThat(producers.stream().flatMap(p -> p.aborts.stream()))
                    .as("the aborts of the job's partition's producer (the other partition has no job)")
                    .containsExactlyElementsOf(expected);
        }
    }

    /**
     * Review-24a M1: the same on the path of a commit that records a job's new state without responses (PENDING to
     * RUNNING here): its offsets time out, the abort of its transaction times out, and the abort owed before the
     * retried commit times out again; that abort is tried at the next round, not again at once.
     */
    @Test
    void shouldTryAnOwedAbortThatTimesOutAgainBeforeAStateCommitOnlyAtTheNextRound(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        EmulatorOptions running = EmulatorOptions.defaults().toBuilder()
                .pendingMillis(0)
                .runningMillis(600_000)
                .build();
        try (PollFixture f = PollFixture.start(kafka, "owedabortstate", running, dir)) {
            PollFixture.Batch batch = f.writeBatch("b-owed-abort-state", RequestKind.GENERATE, 5, 0);
            String jobName = f.createJob(batch, InputMode.INLINE);
            f.writeJob(batch, jobName, InputMode.INLINE);

            AtomicInteger timedOut = new AtomicInteger();
            List<AbortsTimeOut> producers = new java.util.concurrent.CopyOnWriteArrayList<>();
            Poller poller = f.startPoller(new PollerHooks() {
                @Override
                public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                    AbortsTimeOut producer = new AbortsTimeOut(properties, timedOut, 2, 1);
                    producers.add(producer);
                    return producer;
                }
            });

            Await.until(
                    "three aborts",
                    Duration.ofSeconds(60),
                    () -> producers.stream().mapToLong(p -> p.aborts.size()).sum() >= 3);
            assertThat(producers.stream().flatMap(p -> p.aborts.stream()))
                    .as("the aborts of the job's partition's producer (the other partition has no job)")
                    .containsExactly(
                            "after a failure: timed out", "owed, before a begin: timed out", "owed, before a begin");
            assertThat(poller.isRunning()).isTrue();
        }
    }

    @Test
    void shouldPublishEveryResponseOnceWhenSendingTheOffsetsTimesOut(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "offsetstimeout", EmulatorOptions.defaults(), dir)) {
            PollFixture.Batch batch = f.writeBatch("b-offsets-timeout", RequestKind.GENERATE, 25, 0);
            String jobName = f.createJob(batch, InputMode.INLINE);
            f.emulator.finishNow(jobName);
            f.writeJob(batch, jobName, InputMode.INLINE);

            AtomicInteger timedOut = new AtomicInteger();
            Poller poller = f.startPoller(new PollerHooks() {
                @Override
                public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                    return new FirstOffsetsTimeOut(properties, timedOut);
                }
            });

            BatchJob done = f.awaitPublished("b-offsets-timeout");
            assertThat(timedOut.get()).isEqualTo(1);
            assertThat(done.getPublishedThrough()).isEqualTo(25);
            f.assertOneResponsePerKey(batch);
            assertThat(poller.isRunning()).isTrue();
        }
    }

    /**
     * @param timeouts commits in a row that time out: one (the retried commit goes through) or
     *                 {@link JobPartitions#COMMIT_ATTEMPTS} (the producer is given up, the partition opened again)
     */
    @ParameterizedTest(name = "commits timing out: {0}")
    @ValueSource(ints = {1, JobPartitions.COMMIT_ATTEMPTS})
    void shouldPublishEveryResponseOnceWhenCommitsTimeOut(int timeouts, KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "committimeout", EmulatorOptions.defaults(), dir)) {
            // Step 1: a 25-item job, finished at the API; chunks of 10, so three publication transactions
            PollFixture.Batch batch = f.writeBatch("b-commit-timeout", RequestKind.GENERATE, 25, 0);
            String jobName = f.createJob(batch, InputMode.INLINE);
            f.emulator.finishNow(jobName);
            f.writeJob(batch, jobName, InputMode.INLINE);

            // Step 2: a poller whose first commits time out (those of the job's SUCCEEDED record)
            AtomicInteger timedOut = new AtomicInteger();
            AtomicInteger producers = new AtomicInteger();
            Poller poller = f.startPoller(new PollerHooks() {
                @Override
                public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                    producers.incrementAndGet();
                    return new CommitsTimeOut(properties, timedOut, timeouts);
                }
            });

            // Step 3: the job is published all the same, every request answered once with its own answer
            BatchJob done = f.awaitPublished("b-commit-timeout");
            assertThat(timedOut.get()).as("commits that timed out").isEqualTo(timeouts);
            // One producer per partition of genai.jobs (two), and one more when the first was given up (a rebalance
            // on a loaded machine may add more)
            assertThat(producers.get())
                    .as("producers created")
                    .isGreaterThanOrEqualTo(timeouts < JobPartitions.COMMIT_ATTEMPTS ? 2 : 3);
            assertThat(done.getPublishedThrough()).isEqualTo(25);
            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(batch);
            for (BatchItem item : batch.items()) {
                GenAiResponse r = value(byKey.get(utf8(item.getKey())));
                assertThat(r.getStatus()).isEqualTo(ResponseStatus.SUCCEEDED);
                assertThat(text(r.getResponse()))
                        .isEqualTo("echo: " + batch.prompts().get(item.getRequestId()));
            }
            assertThat(poller.isRunning()).as("the poller still runs").isTrue();
        }
    }
}
