package io.genaibatch.poll;

import static io.genaibatch.poll.PollFixture.text;
import static io.genaibatch.poll.PollFixture.utf8;
import static io.genaibatch.poll.PollFixture.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.cli.JsonLogCapture;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poll group's committed offset on genai.jobs: a publication's chunks before its last leave it where it was (one
 * offset commit per publication, not per chunk), and what that opens (the old owner of a partition committing a chunk
 * after it left the group, before the new owner has fenced it) still publishes each response once.
 */
@ExtendWith(KafkaCluster.class)
class PollerGroupOffsetIT {
    /** A poller that the group evicts once it has not polled for 3 s. */
    private static final Map<String, String> EVICTED_IN_3_S =
            Map.of("poll.max-poll-interval", "3s", "gemini.retry.max-elapsed", "0s", "gemini.request-timeout", "1s");

    @Test
    void shouldLeaveTheGroupsOffsetWhereItWasUntilAPublicationsLastChunk(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "offsets", EmulatorOptions.defaults(), dir);
                Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            // A 45-item file job in chunks of 10: chunks through 10, 20, 30, 40 and the last one, through 45
            PollFixture.Batch batch = f.submitted("b-offsets", RequestKind.GENERATE, 45, 1, InputMode.FILE);
            TopicPartition tp = new TopicPartition(f.topics.jobs(), f.jobsPartitionOf(batch.batchId()));
            // publishedThrough of each commit -> the group's committed offset just before it (what the commit
            // before it left)
            Map<Long, Long> offsetBefore = new ConcurrentSkipListMap<>();
            f.startPoller(new PollerHooks() {
                @Override
                public void beforeCommit(String batchId, long publishedThrough) {
                    if (publishedThrough == 10) {
                        // The state change's offset becomes visible with its transaction's marker, a moment after
                        // its commit returned
                        Await.until(
                                "the offset of the state change before the publication",
                                Duration.ofSeconds(10),
                                () -> committed(admin, f.prefix + "poll", tp) >= 0);
                    }
                    if (publishedThrough > 0) {
                        offsetBefore.put(publishedThrough, committed(admin, f.prefix + "poll", tp));
                    }
                }
            });
            BatchJob done = f.awaitPublished(batch.batchId());
            assertThat(done.getPublishedThrough()).isEqualTo(45);
            f.assertOneResponsePerKey(batch);

            // Before the first chunk: what the job's last state change committed. Then the same at every chunk
            long beforePublication = offsetBefore.get(10L);
            assertThat(beforePublication)
                    .as("a state change committed the offset before the publication")
                    .isNotNegative();
            assertThat(offsetBefore)
                    .as("the group's offset seen before each chunk's commit: chunks before the last commit none")
                    .containsExactlyEntriesOf(new TreeMap<>(Map.of(
                            10L, beforePublication,
                            20L, beforePublication,
                            30L, beforePublication,
                            40L, beforePublication,
                            45L, beforePublication)));
            // The last chunk's commit carries the offset (that of the job's previous record, or the position if lower)
            Await.until(
                    "the group's offset moved by the publication's last chunk",
                    Duration.ofSeconds(10),
                    () -> committed(admin, f.prefix + "poll", tp) > beforePublication);
        }
    }

    /**
     * The window a chunk without the group's offset opens: a poller held past max.poll.interval.ms before a chunk's
     * commit is evicted, the partition goes to another poller, and the old one, let go while the new owner's
     * initTransactions (which would fence it) is held, commits the chunk: no generation check refuses it. The new
     * owner reads the partition only after its init, so it sees that chunk and resumes after it. (With an offset in
     * every chunk, as at 077bdf4, this test fails: the new owner's offset fetch, asked before its init then, waits
     * for the held transaction, which carries offsets, and never reaches the init. It cannot tell whether the end is
     * read after the init: the old owner's commit lands before the new owner reads anything either way.)
     */
    @Test
    void shouldPublishEachResponseOnceWhenAPollerThatLeftTheGroupCommitsAChunkBeforeTheNewOwnerFencesIt(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "stale-member", EmulatorOptions.defaults(), dir)) {
            PollFixture.Batch batch = f.submitted("b-stale-member", RequestKind.GENERATE, 45, 1, InputMode.FILE);
            int partition = f.jobsPartitionOf(batch.batchId());

            // Step 1: the first poller stops, with the chunk through 20 built and not committed, for longer than its
            // max.poll.interval.ms (3 s): the group evicts it
            CountDownLatch oldOwnerHeld = new CountDownLatch(1);
            CountDownLatch oldOwnerGoesOn = new CountDownLatch(1);
            Poller oldOwner = f.startPoller(
                    new PollerHooks() {
                        @Override
                        public void beforeCommit(String batchId, long publishedThrough) {
                            if (publishedThrough == 20) {
                                oldOwnerHeld.countDown();
                                awaitOrFail(oldOwnerGoesOn, "the test to let the old owner go on");
                            }
                        }
                    },
                    EVICTED_IN_3_S);
            awaitOrFail(oldOwnerHeld, "the old owner to reach the chunk through 20");

            // Step 2: a second poller joins; the group evicts the first one and gives it the partition. Its
            // producer's initTransactions, which would fence the first one, waits for the test
            CountDownLatch newOwnerInInit = new CountDownLatch(1);
            CountDownLatch newOwnerInits = new CountDownLatch(1);
            AtomicBoolean held = new AtomicBoolean();
            Poller newOwner = f.startPoller(
                    PollFixture.beforeInit(f.pollerTransactionalId(partition), () -> {
                        if (held.compareAndSet(false, true)) {
                            newOwnerInInit.countDown();
                            awaitOrFail(newOwnerInits, "the test to let the new owner initialise");
                        }
                    }),
                    Map.of("poll.cache-dir", dir.resolve("other-machine").toString()));
            try {
                awaitOrFail(newOwnerInInit, "the partition to reach the new owner (the old one evicted)");

                // Step 3: the old owner goes on, out of the group, not fenced yet: its chunk through 20 commits
                oldOwnerGoesOn.countDown();
                f.awaitJobHistory(batch.batchId(), j -> j.getPublishedThrough() >= 20, Duration.ofSeconds(30));
                assertThat(newOwner.counters().snapshot().responses(ResponseStatus.SUCCEEDED))
                        .as("nothing by the new owner before its init")
                        .isZero();
                Await.until(
                        "the old owner counts the chunk it committed out of the group",
                        Duration.ofSeconds(10),
                        () -> oldOwner.counters().snapshot().responses(ResponseStatus.SUCCEEDED) >= 20);
                // Gone before the group can rebalance again (the new owner is held in its assignment until then),
                // so the partition cannot come back to it
                oldOwner.close();
            } finally {
                newOwnerInits.countDown();
            }

            // Step 4: the new owner initialises (fencing the old one), reads the partition and finishes the job
            BatchJob done = f.awaitPublished(batch.batchId());
            assertThat(done.getPublishedThrough()).isEqualTo(45);
            Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(batch);
            for (BatchItem item : batch.items()) {
                assertThat(text(value(byKey.get(utf8(item.getKey()))).getResponse()))
                        .isEqualTo("echo: " + batch.prompts().get(item.getRequestId()));
            }
            long byOld = oldOwner.counters().snapshot().responses(ResponseStatus.SUCCEEDED);
            long byNew = newOwner.counters().snapshot().responses(ResponseStatus.SUCCEEDED);
            assertThat(byOld)
                    .as("the old owner's chunks, the one committed after it left the group included")
                    .isBetween(20L, 40L);
            assertThat(byOld + byNew).as("counted once across both pollers").isEqualTo(45);
            assertThat(newOwner.isRunning()).as("the new owner still runs").isTrue();
        }
    }

    /**
     * A poller evicted with a transaction open that carries the group's offset (here the publication's last chunk,
     * held before its commit): the partition's new owner must not wait for that transaction to time out before it
     * takes the partition over. Its initTransactions aborts it; only then is the committed offset asked, which no
     * longer waits on it.
     */
    @Test
    void shouldTakeOverAtOnceFromAnEvictedPollerWhoseOpenTransactionCarriesTheGroupsOffset(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "open-offsets", EmulatorOptions.defaults(), dir);
                JsonLogCapture log = new JsonLogCapture()) {
            PollFixture.Batch batch = f.submitted("b-open-offsets", RequestKind.GENERATE, 45, 1, InputMode.FILE);

            // Step 1: the first poller stops before the last chunk's commit, its offset already in the transaction,
            // for longer than its max.poll.interval.ms: the group evicts it
            CountDownLatch oldOwnerHeld = new CountDownLatch(1);
            CountDownLatch oldOwnerGoesOn = new CountDownLatch(1);
            List<RuntimeException> oldOwnerFenced = new CopyOnWriteArrayList<>();
            Poller oldOwner = f.startPoller(
                    new PollerHooks() {
                        @Override
                        public void beforeCommit(String batchId, long publishedThrough) {
                            if (publishedThrough == 45) {
                                oldOwnerHeld.countDown();
                                awaitOrFail(oldOwnerGoesOn, "the test to let the old owner go on");
                            }
                        }

                        @Override
                        public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                            return new KafkaProducer<>(
                                    properties, new ByteArraySerializer(), new ByteArraySerializer()) {
                                @Override
                                public void commitTransaction() {
                                    try {
                                        super.commitTransaction();
                                    } catch (RuntimeException e) {
                                        // Fenced: ProducerFencedException, or the error state it left
                                        oldOwnerFenced.add(e);
                                        throw e;
                                    }
                                }
                            };
                        }
                    },
                    EVICTED_IN_3_S);
            try {
                awaitOrFail(oldOwnerHeld, "the old owner to reach the last chunk");

                // Step 2: a second poller (on another machine: the first one still holds its cache's index open)
                // takes the partition over and publishes the last chunk itself, while the first one still holds its
                // transaction open (the producer's transaction.timeout.ms is a minute)
                Poller newOwner = f.startPoller(
                        PollerHooks.NONE,
                        Map.of("poll.cache-dir", dir.resolve("other-machine").toString()));
                BatchJob done = f.awaitPublished(batch.batchId(), Duration.ofSeconds(30));
                assertThat(done.getPublishedThrough()).isEqualTo(45);
                f.assertOneResponsePerKey(batch);
                assertThat(newOwner.counters().snapshot().responses(ResponseStatus.SUCCEEDED))
                        .as("the last chunk, by the new owner")
                        .isEqualTo(5);
            } finally {
                oldOwnerGoesOn.countDown();
            }
            // Step 3: the old owner, let go, tries to commit its last chunk: fenced, nothing of it visible. Its
            // consumer still lists the partition, so it asks the group to rebalance to open it again; at that rejoin
            // it learns it was evicted, and the partition is lost to it before any reopen could fence the new owner
            Await.until("the old owner's last commit refused", Duration.ofSeconds(60), () -> !oldOwnerFenced.isEmpty());
            String partition = f.topics.jobs() + "-" + f.jobsPartitionOf(batch.batchId());
            Await.until(
                    "the evicted poller to learn at its rejoin that the partition is no longer its",
                    Duration.ofSeconds(30),
                    () -> log.events().stream()
                            .map(e -> e.path("message").asText())
                            .anyMatch(
                                    m -> m.startsWith("Partition " + partition + " lost while waiting to be opened")));
            List<String> partitionLines = log.events().stream()
                    .map(e -> e.path("message").asText())
                    .filter(m -> m.startsWith("Partition " + partition + " "))
                    .toList();
            int fence = partitionLines.stream()
                    .filter(m -> m.contains("was fenced while still assigned to this poller"))
                    .findFirst()
                    .map(partitionLines::indexOf)
                    .orElseThrow(() -> new AssertionError("the evicted poller's fence WARN in " + partitionLines));
            assertThat(partitionLines.subList(fence, partitionLines.size()))
                    .as("after the fence, neither poller opened the partition again (the new owner kept it)")
                    .noneMatch(m -> m.startsWith("Partition " + partition + " opened"));
            f.assertOneResponsePerKey(batch);
            assertThat(oldOwner.counters().snapshot().responses(ResponseStatus.SUCCEEDED))
                    .as("the old owner's four committed chunks; its last one was aborted")
                    .isEqualTo(40);
        }
    }

    private static long committed(Admin admin, String groupId, TopicPartition tp) {
        try {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS)
                    .get(tp);
            return o == null ? -1 : o.offset();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the committed offsets of " + groupId + ": " + e, e);
        }
    }

    private static void awaitOrFail(CountDownLatch latch, String what) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out waiting for " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        }
    }
}
