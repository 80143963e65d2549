package io.genaibatch.poll;

import static io.genaibatch.poll.PollFixture.text;
import static io.genaibatch.poll.PollFixture.utf8;
import static io.genaibatch.poll.PollFixture.value;
import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
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
            Map<Long, Long> offsetBefore = new TreeMap<>();
            f.startPoller(new PollerHooks() {
                @Override
                public void beforeCommit(String batchId, long publishedThrough) {
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
        }
    }

    /**
     * The window a chunk without the group's offset opens: a poller held past max.poll.interval.ms before a chunk's
     * commit is evicted, the partition goes to another poller, and the old one, let go before the new owner's
     * initTransactions has fenced its producer, commits the chunk (no generation check refuses it). The new owner
     * reads the partition only after its init, so it sees that chunk and resumes after it. (With the offset in every
     * chunk this passes too: the offset was committed before the hook, and the new owner's offset fetch waited for
     * the old owner's transaction to end.)
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
                    Map.of(
                            "poll.max-poll-interval", "3s",
                            "gemini.retry.max-elapsed", "0s",
                            "gemini.request-timeout", "1s"));
            awaitOrFail(oldOwnerHeld, "the old owner to reach the chunk through 20");

            // Step 2: a second poller joins; the group evicts the first one and gives it the partition. Its
            // producer's initTransactions, which would fence the first one, waits for the test
            CountDownLatch newOwnerInits = new CountDownLatch(1);
            AtomicBoolean held = new AtomicBoolean();
            String heldId = f.prefix + "poll-" + f.topics.jobs() + "-" + partition;
            Poller newOwner = f.startPoller(new PollerHooks() {
                @Override
                public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                    boolean hold = heldId.equals(properties.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG));
                    return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer()) {
                        @Override
                        public void initTransactions() {
                            if (hold && held.compareAndSet(false, true)) {
                                awaitOrFail(newOwnerInits, "the test to let the new owner initialise");
                            }
                            super.initTransactions();
                        }
                    };
                }
            });
            TopicPartition tp = new TopicPartition(f.topics.jobs(), partition);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                Await.until(
                        "the partition assigned to the new owner alone",
                        Duration.ofSeconds(60),
                        () -> onlyMemberHas(admin, f.prefix + "poll", tp));
            }

            // Step 3: the old owner goes on, out of the group, not fenced yet: its chunk through 20 commits
            oldOwnerGoesOn.countDown();
            f.awaitJobHistory(batch.batchId(), j -> j.getPublishedThrough() >= 20, Duration.ofSeconds(30));

            // Step 4: the new owner initialises (fencing the old one), reads the partition and finishes the job
            newOwnerInits.countDown();
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
                    .isGreaterThanOrEqualTo(20);
            assertThat(byOld + byNew).as("counted once across both pollers").isEqualTo(45);
            assertThat(newOwner.isRunning()).as("the new owner still runs").isTrue();
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

    /** True when the group has one member, and it holds {@code tp}. */
    private static boolean onlyMemberHas(Admin admin, String groupId, TopicPartition tp) {
        try {
            Collection<MemberDescription> members = admin.describeConsumerGroups(List.of(groupId))
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .get(groupId)
                    .members();
            return members.size() == 1
                    && members.iterator().next().assignment().topicPartitions().contains(tp);
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe the group " + groupId + ": " + e, e);
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
