package io.genaibatch.poll;

import static io.genaibatch.poll.PollFixture.text;
import static io.genaibatch.poll.PollFixture.utf8;
import static io.genaibatch.poll.PollFixture.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.genaibatch.cli.JsonLogCapture;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The producer of a genai.jobs partition fails under a publication (review 17, D2 and D4): by its own calls, not by a
 * test hook after a send returned. Each case: a 25-item job in chunks of 10, published with every request answered
 * once (read_committed), counted once, and the poller still running.
 */
@ExtendWith(KafkaCluster.class)
class PollerProducerFailuresIT {

    /** The producer call that meets the fatal error, during the job's second chunk. */
    enum FatalAt {
        BEGIN,
        SEND,
        COMMIT,
        ABORT
    }

    /** What the test producers share: the genai.responses records sent so far, and the one producer that failed. */
    static final class Trouble {
        final String responsesTopic;
        final FatalAt at;
        /** Every producer meets the error (a cause that outlives the producer), not only the first one. */
        final boolean everyProducer;

        final AtomicInteger responseSends = new AtomicInteger();
        final AtomicInteger producers = new AtomicInteger();
        /** With {@code everyProducer}: the cause clears once this many fatal errors were met. */
        final int clearsAfter;

        final AtomicInteger fatalErrors = new AtomicInteger();
        /** When each fatal error was met, in order. */
        final List<Instant> fatalAt = new CopyOnWriteArrayList<>();

        final AtomicReference<TurnsFatal> failed = new AtomicReference<>();

        Trouble(String responsesTopic, FatalAt at, boolean everyProducer) {
            this(responsesTopic, at, everyProducer, Integer.MAX_VALUE);
        }

        Trouble(String responsesTopic, FatalAt at, boolean everyProducer, int clearsAfter) {
            this.responsesTopic = responsesTopic;
            this.at = at;
            this.everyProducer = everyProducer;
            this.clearsAfter = clearsAfter;
        }
    }

    /**
     * A real producer that meets a fatal error once (the first of the test's producers to reach {@code at}), and from
     * then on behaves as KafkaProducer in its fatal state: every transactional call and every send throws, wrapping
     * that error (TransactionManager.maybeFailWithError), and only close is left. No broker lets a test give a
     * producer an authorization or sequence error on demand, so that error is made up here; what the poller does
     * with the producer afterwards meets the real client.
     */
    static class TurnsFatal extends KafkaProducer<byte[], byte[]> {
        private final Trouble trouble;
        private volatile RuntimeException fatal;
        volatile boolean closed;

        TurnsFatal(Map<String, Object> properties, Trouble trouble) {
            super(properties, new ByteArraySerializer(), new ByteArraySerializer());
            this.trouble = trouble;
            trouble.producers.incrementAndGet();
        }

        /**
         * Fails now with {@code error} if no producer of the test failed yet (or, for {@code everyProducer}, this
         * one did not); the producer stays fatal after.
         */
        private void failOnce(FatalAt call, RuntimeException error) {
            if (trouble.at == call
                    && (trouble.everyProducer
                            ? fatal == null && trouble.fatalErrors.get() < trouble.clearsAfter
                            : trouble.failed.compareAndSet(null, this))) {
                trouble.failed.compareAndSet(null, this);
                trouble.fatalErrors.incrementAndGet();
                trouble.fatalAt.add(Instant.now());
                fatal = error instanceof KafkaException && error.getCause() != null
                        ? (RuntimeException) error.getCause()
                        : error;
                throw error;
            }
        }

        private void refuseIfFatal() {
            RuntimeException error = fatal;
            if (error instanceof IllegalStateException) {
                throw new IllegalStateException(
                        "Cannot execute transactional method because we are in an error state", error);
            }
            if (error != null) {
                throw new KafkaException("Cannot execute transactional method because we are in an error state", error);
            }
        }

        @Override
        public void beginTransaction() {
            refuseIfFatal();
            if (trouble.responseSends.get() >= 10) {
                // the ISE of a producer whose sender thread met an invalid state transition (a fatal state)
                failOnce(
                        FatalAt.BEGIN,
                        new IllegalStateException(
                                "TransactionalId test: Cannot execute transactional "
                                        + "method because we are in an error state",
                                new IllegalStateException(
                                        "Invalid transition attempted from state COMMITTING_TRANSACTION to state ABORTABLE_ERROR (test)")));
            }
            super.beginTransaction();
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            refuseIfFatal();
            if (record.topic().equals(trouble.responsesTopic) && trouble.responseSends.incrementAndGet() == 15) {
                failOnce(
                        FatalAt.SEND,
                        new KafkaException(
                                "Cannot execute transactional method because we are in an " + "error state",
                                new OutOfOrderSequenceException(
                                        "The broker received an out of order " + "sequence number (test)")));
            }
            return super.send(record, callback);
        }

        @Override
        public void sendOffsetsToTransaction(
                Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
            refuseIfFatal();
            super.sendOffsetsToTransaction(offsets, groupMetadata);
        }

        @Override
        public void commitTransaction() {
            refuseIfFatal();
            if (trouble.responseSends.get() >= 20) {
                failOnce(
                        FatalAt.COMMIT,
                        new TransactionalIdAuthorizationException("Transactional Id authorization " + "failed (test)"));
            }
            super.commitTransaction();
        }

        @Override
        public void abortTransaction() {
            refuseIfFatal();
            failOnce(
                    FatalAt.ABORT,
                    new KafkaException(
                            "Cannot execute transactional method because we are in an " + "error state",
                            new ClusterAuthorizationException("Cluster authorization failed (test)")));
            super.abortTransaction();
        }

        @Override
        public void close(Duration timeout) {
            closed = true;
            super.close(timeout);
        }
    }

    /**
     * D2: a fatal error (authorization, sequence, the client's own fatal state) leaves a producer that refuses every
     * later call; kept, it refused each later beginTransaction and the partition stopped publishing until a
     * rebalance. It must be closed, and the partition go on with a new producer.
     */
    @ParameterizedTest(name = "fatal error at {0}")
    @EnumSource(FatalAt.class)
    void shouldCloseAProducerThatMetAFatalErrorAndPublishEveryResponseOnce(
            FatalAt at, KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(
                kafka, "fatal-" + at.name().toLowerCase(java.util.Locale.ROOT), EmulatorOptions.defaults(), dir)) {
            PollFixture.Batch batch = finishedJob(f, "b-fatal");
            Trouble trouble = new Trouble(f.topics.responses(), at, false);
            AtomicInteger hookSends = new AtomicInteger();
            Poller poller = f.startPoller(new PollerHooks() {
                @Override
                public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                    return new TurnsFatal(properties, trouble);
                }

                @Override
                public void afterSend(String batchId) {
                    // ABORT: a failure while the second chunk is built makes the poller abort
                    if (at == FatalAt.ABORT && hookSends.incrementAndGet() == 15) {
                        throw new IllegalStateException("failure while building the chunk through 20 (test)");
                    }
                }
            });

            assertPublishedOnce(f, batch, poller, 25);
            TurnsFatal failed = trouble.failed.get();
            assertThat(failed).as("the producer that met the fatal error").isNotNull();
            assertThat(failed.closed)
                    .as("the producer that met the fatal error was closed")
                    .isTrue();
            assertThat(trouble.producers.get())
                    .as("producers: one per partition (two), and the fatal one's successor")
                    .isGreaterThanOrEqualTo(3);
        }
    }

    /**
     * A fatal error whose cause outlives the producer (every new producer of the partition meets it too): the
     * partition is opened again a bounded number of times, then the poller stops, as when a partition cannot be opened
     * again (its partitions go to the other pollers, a restart resumes from what is committed), instead of closing and
     * opening producers in a loop. Nothing of the failed chunks is visible.
     */
    @Test
    void shouldStopThePollerWhenEveryNewProducerOfThePartitionMeetsAFatalErrorToo(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "fatal-again", EmulatorOptions.defaults(), dir)) {
            PollFixture.Batch batch = finishedJob(f, "b-fatal-again");
            Trouble trouble = new Trouble(f.topics.responses(), FatalAt.BEGIN, true);
            Poller poller = f.startPoller(new PollerHooks() {
                @Override
                public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                    return new TurnsFatal(properties, trouble);
                }
            });

            assertThat(poller.awaitStopped(Duration.ofSeconds(90)))
                    .as("the poller stopped")
                    .isTrue();
            assertThat(poller.failure()).containsInstanceOf(PartitionUnusableException.class);
            assertThat(trouble.fatalErrors.get())
                    .as("fatal errors met: the first producer's and its successors'")
                    .isEqualTo(JobPartitions.FATAL_REOPENS + 1);
            List<ConsumerRecord<byte[], byte[]>> visible = f.responses();
            assertThat(visible).as("visible: the first chunk only").hasSize(10);
            assertThat(visible.stream()
                            .map(r -> batch.itemByKey(new String(r.key(), StandardCharsets.UTF_8)))
                            .distinct())
                    .as("requests answered, each once")
                    .hasSize(10);
        }
    }

    /**
     * A fatal condition that passes (an ACL change that takes a few seconds to reach every broker): the producers of
     * the partition meet it one after the other, four of them, then it clears. Reopened at once, they met it within
     * about 2 s and the 4th stopped the poller (review 18b, S1); each reopened partition
     * now waits longer before its next transaction (1 s, 2 s, 4 s, ...), so the poller outlasts such a condition and
     * publishes every response once. Each reopen reads as one: the partition is opened again on this poller (not
     * "left to its next owner"), and the job round it cut short is stopped, not counted as a job error (S5).
     */
    @Test
    void shouldOutlastAFatalConditionThatClearsAfterAFewReopensAndPublishEveryResponseOnce(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "fatal-passes", EmulatorOptions.defaults(), dir);
                JsonLogCapture log = new JsonLogCapture()) {
            PollFixture.Batch batch = finishedJob(f, "b-fatal-passes");
            Trouble trouble = new Trouble(f.topics.responses(), FatalAt.BEGIN, true, 4);
            Poller poller = f.startPoller(new PollerHooks() {
                @Override
                public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                    return new TurnsFatal(properties, trouble);
                }
            });

            assertThat(f.awaitPublished(batch.batchId()).getPublishedThrough()).isEqualTo(25);
            assertThat(poller.failure()).as("why the poller stopped, if it did").isEmpty();
            assertPublishedOnce(f, batch, poller, 25);
            assertThat(trouble.fatalErrors.get()).as("fatal errors met").isEqualTo(4);
            for (int i = 1; i < trouble.fatalAt.size(); i++) {
                assertThat(Duration.between(trouble.fatalAt.get(i - 1), trouble.fatalAt.get(i)))
                        .as("the wait of the partition reopened after fatal error %d", i)
                        .isGreaterThanOrEqualTo(Duration.ofSeconds(1L << (i - 1)));
            }
            assertThat(poller.counters().snapshot().jobErrors())
                    .as("job errors: a producer fault is none")
                    .isZero();
            List<JsonNode> partitionLines = log.events().stream()
                    .filter(e -> e.path("logger").asText().endsWith(".JobPartitions")
                            && e.path("message").asText().contains("closed after a fatal error"))
                    .toList();
            assertThat(partitionLines)
                    .as("what the reopens say about the partition")
                    .hasSize(trouble.fatalErrors.get())
                    .allSatisfy(e -> assertThat(e.path("message").asText())
                            .contains("opening it again on this poller")
                            .doesNotContain("next owner"));
            assertThat(log.events())
                    .as("no ERROR from a job round")
                    .noneMatch(e -> e.path("logger").asText().endsWith(".JobRounds")
                            && e.path("level").asText().equals("ERROR"));
        }
    }

    /**
     * A partition that cannot be opened at its assignment (its producer's initTransactions timed out: a coordinator
     * that moved, a broker slow to answer) is tried again at a later poll, its jobs waiting meanwhile. It used to
     * fail the assignment: from the poller's main loop the poller stopped; from a poll inside a job round the
     * partition stayed assigned and never opened, its jobs untouched until the next rebalance.
     */
    @Test
    void shouldOpenAPartitionWhoseProducerFailedToInitialiseAtAssignmentOnALaterPoll(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "init-fails", EmulatorOptions.defaults(), dir)) {
            PollFixture.Batch batch = finishedJob(f, "b-init-fails");
            AtomicInteger initFailures = new AtomicInteger();
            Poller poller = f.startPoller(
                    PollFixture.beforeInit(f.pollerTransactionalId(f.jobsPartitionOf(batch.batchId())), () -> {
                        if (initFailures.incrementAndGet() <= 2) {
                            throw new org.apache.kafka.common.errors.TimeoutException(
                                    "Timeout expired after 60000ms while awaiting InitProducerId (test)");
                        }
                    }));

            assertPublishedOnce(f, batch, poller, 25);
            assertThat(initFailures.get())
                    .as("two failed inits, then the one that opened it")
                    .isEqualTo(3);
            assertThat(poller.failure()).as("why the poller stopped, if it did").isEmpty();
        }
    }

    /**
     * A producer's initTransactions that the coordinator carried out but whose answer came too late (a timeout): it
     * may have fenced whoever else held the transactional.id, so the partition is tried again only once a later group
     * generation still gives it to this poller, lest a poller the group has evicted fence the real owner at each of
     * its retries.
     */
    @Test
    void shouldTryAgainAPartitionWhoseInitTimedOutAfterTheCoordinatorCarriedItOutOnlyInALaterGeneration(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "init-late", EmulatorOptions.defaults(), dir);
                JsonLogCapture log = new JsonLogCapture()) {
            PollFixture.Batch batch = finishedJob(f, "b-init-late");
            String transactionalId = f.pollerTransactionalId(f.jobsPartitionOf(batch.batchId()));
            AtomicInteger inits = new AtomicInteger();
            Poller poller = f.startPoller(PollFixture.afterInit(transactionalId, () -> {
                if (inits.incrementAndGet() == 1) {
                    throw new org.apache.kafka.common.errors.TimeoutException(
                            "Timeout expired after 60000ms while awaiting InitProducerId (test)");
                }
            }));

            assertPublishedOnce(f, batch, poller, 25);
            assertThat(inits.get())
                    .as("inits: the late one, then the one that opened it")
                    .isEqualTo(2);
            String partition = f.topics.jobs() + "-" + f.jobsPartitionOf(batch.batchId());
            assertOpenedInALaterGeneration(log.events().stream()
                    .map(e -> e.path("message").asText())
                    .filter(m -> m.startsWith("Partition " + partition + " "))
                    .toList());
        }
    }

    /** A partition that cannot be opened time after time stops the poller, which names it, rather than hold it. */
    @Test
    void shouldStopThePollerWhenAPartitionCannotBeOpenedAgainAndAgain(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "init-never", EmulatorOptions.defaults(), dir)) {
            PollFixture.Batch batch = finishedJob(f, "b-init-never");
            int partition = f.jobsPartitionOf(batch.batchId());
            Poller poller = f.startPoller(PollFixture.beforeInit(f.pollerTransactionalId(partition), () -> {
                throw new TransactionalIdAuthorizationException("Transactional Id authorization failed (test)");
            }));

            assertStoppedSaying(poller, f.topics.jobs() + "-" + partition, "could not be opened");
            assertThat(f.responses()).as("nothing published").isEmpty();
        }
    }

    /**
     * D4: a send refused by the producer itself. A record over max.request.size fails its future and puts the real
     * client's transaction in an abortable error state; the next send then throws from inside KafkaProducer.send, in
     * the poller's own send: the transaction is aborted and the chunk published again.
     */
    @Test
    void shouldPublishEveryResponseOnceWhenTheProducerRefusesASendOfAChunk(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "sendrefused", EmulatorOptions.defaults(), dir)) {
            PollFixture.Batch batch = finishedJob(f, "b-send-refused");
            String responses = f.topics.responses();
            AtomicInteger responseSends = new AtomicInteger();
            List<RuntimeException> thrownBySend = new CopyOnWriteArrayList<>();
            Poller poller = f.startPoller(new PollerHooks() {
                @Override
                public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                    int maxRequest = Integer.parseInt(
                            String.valueOf(properties.getOrDefault(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_048_576)));
                    return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer()) {
                        @Override
                        public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
                            if (record.topic().equals(responses) && responseSends.incrementAndGet() == 15) {
                                Future<RecordMetadata> tooLarge = super.send(
                                        new ProducerRecord<>(
                                                responses, record.partition(), record.key(), new byte[maxRequest + 1]),
                                        null);
                                assertThatThrownBy(tooLarge::get).hasCauseInstanceOf(RecordTooLargeException.class);
                                try {
                                    return super.send(record, callback);
                                } catch (RuntimeException e) {
                                    thrownBySend.add(e);
                                    throw e;
                                }
                            }
                            return super.send(record, callback);
                        }
                    };
                }
            });

            assertPublishedOnce(f, batch, poller, 25);
            assertThat(thrownBySend)
                    .as("what KafkaProducer.send threw after the refused record")
                    .singleElement()
                    .satisfies(e -> assertThat(e)
                            .isInstanceOf(KafkaException.class)
                            .hasRootCauseInstanceOf(RecordTooLargeException.class));
        }
    }

    /**
     * D4: fenced in the middle of a chunk while the group still gives this poller the partition (review 26c, S3).
     * Another producer with the partition's transactional.id is initialised while the second chunk is half sent (as
     * a poller the group evicted does when its initTransactions goes through late): that aborts the open transaction,
     * and the poller learns it was fenced at a later send or at the commit. Nothing of the chunk is visible; the
     * poller asks the group to rebalance and, given the partition again in the next generation, opens it again and
     * publishes the rest itself, each response once, counted once. It used to release the partition and never open
     * it again: its jobs stalled, the poller READY, until the next rebalance.
     */
    @Test
    void shouldOpenAPartitionAgainWhenFencedWhileStillAssignedAndPublishEveryResponseOnce(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "fencedmid", EmulatorOptions.defaults(), dir);
                JsonLogCapture log = new JsonLogCapture()) {
            PollFixture.Batch batch = finishedJob(f, "b-fenced-mid");
            String transactionalId = f.pollerTransactionalId(f.jobsPartitionOf("b-fenced-mid"));
            AtomicInteger sends = new AtomicInteger();
            List<RuntimeException> fenced = new CopyOnWriteArrayList<>();
            Poller poller = f.startPoller(new PollerHooks() {
                @Override
                public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                    return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer()) {
                        @Override
                        public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
                            return observed(() -> super.send(record, callback));
                        }

                        @Override
                        public void sendOffsetsToTransaction(
                                Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
                            observed(() -> {
                                super.sendOffsetsToTransaction(offsets, groupMetadata);
                                return null;
                            });
                        }

                        @Override
                        public void commitTransaction() {
                            observed(() -> {
                                super.commitTransaction();
                                return null;
                            });
                        }

                        private <T> T observed(java.util.function.Supplier<T> call) {
                            try {
                                return call.get();
                            } catch (ProducerFencedException | InvalidProducerEpochException e) {
                                fenced.add(e);
                                throw e;
                            }
                        }
                    };
                }

                @Override
                public void afterSend(String batchId) {
                    if (sends.incrementAndGet() == 15) {
                        fence(kafka, transactionalId);
                    }
                }
            });

            assertPublishedOnce(f, batch, poller, 25);
            assertThat(fenced).as("the poller learnt it was fenced").isNotEmpty();
            String partition = f.topics.jobs() + "-" + f.jobsPartitionOf("b-fenced-mid");
            List<String> partitionLines = log.events().stream()
                    .filter(e -> e.path("logger").asText().endsWith(".JobPartitions"))
                    .map(e -> e.path("message").asText())
                    .filter(m -> m.contains("Partition " + partition + " "))
                    .toList();
            assertThat(partitionLines)
                    .as("the partition never left this poller")
                    .noneMatch(m -> m.contains("revoked") || m.contains(" lost"));
            assertOpenedInALaterGeneration(partitionLines);
        }
    }

    /**
     * Two producers that both believe they own the partition's transactional.id (two groups whose poll.group-id and
     * jobs topic join to the same id) would fence each other back and forth for ever, each reopen aborting the
     * other's chunk: after 5 reopens, the 6th fence within 10 minutes stops the poller with an error that names the
     * id. Nothing of the fenced chunks is visible.
     */
    @Test
    void shouldStopThePollerWhenItsProducerIsFencedAgainAndAgainWhileTheGroupKeepsThePartitionHere(
            KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "fenced-again", EmulatorOptions.defaults(), dir)) {
            PollFixture.Batch batch = finishedJob(f, "b-fenced-again");
            int partition = f.jobsPartitionOf(batch.batchId());
            String transactionalId = f.pollerTransactionalId(partition);
            AtomicInteger sends = new AtomicInteger();
            AtomicInteger fences = new AtomicInteger();
            Poller poller = f.startPoller(new PollerHooks() {
                @Override
                public void afterSend(String batchId) {
                    // the first chunk commits; every attempt at the second is fenced half way
                    if (sends.incrementAndGet() > 10 && sends.get() % 5 == 0) {
                        fences.incrementAndGet();
                        fence(kafka, transactionalId);
                    }
                }
            });

            assertStoppedSaying(
                    poller,
                    f.topics.jobs() + "-" + partition,
                    "fenced " + (JobPartitions.FATAL_REOPENS + 1) + " times",
                    "transactional.id " + transactionalId + " ");
            assertThat(fences.get())
                    .as("fences: at least one per attempt at the second chunk (a fenced producer may send on)")
                    .isGreaterThanOrEqualTo(JobPartitions.FATAL_REOPENS + 1);
            List<ConsumerRecord<byte[], byte[]>> visible = f.responses();
            assertThat(visible).as("visible: the first chunk only").hasSize(10);
        }
    }

    /**
     * A partition opened again after its producer's fatal error, whose new producer's initTransactions then times out
     * once (review 26c, S2): the partition waits, paused, and is tried again at a later poll, as at an assignment. The
     * poller used to stop at that first failed open.
     */
    @Test
    void shouldTryAgainLaterAPartitionThatFailsToOpenAfterAFatalError(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (PollFixture f = PollFixture.start(kafka, "reopen-fails", EmulatorOptions.defaults(), dir)) {
            PollFixture.Batch batch = finishedJob(f, "b-reopen-fails");
            String transactionalId = f.pollerTransactionalId(f.jobsPartitionOf(batch.batchId()));
            Trouble trouble = new Trouble(f.topics.responses(), FatalAt.BEGIN, false);
            AtomicInteger initsAfterFatal = new AtomicInteger();
            Poller poller = f.startPoller(new PollerHooks() {
                @Override
                public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                    boolean watched = transactionalId.equals(properties.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG));
                    return new TurnsFatal(properties, trouble) {
                        @Override
                        public void initTransactions() {
                            if (watched && trouble.failed.get() != null && initsAfterFatal.incrementAndGet() == 1) {
                                throw new org.apache.kafka.common.errors.TimeoutException(
                                        "Timeout expired after 60000ms while awaiting InitProducerId (test)");
                            }
                            super.initTransactions();
                        }
                    };
                }
            });

            assertPublishedOnce(f, batch, poller, 25);
            assertThat(trouble.failed.get())
                    .as("the producer that met the fatal error")
                    .isNotNull();
            assertThat(initsAfterFatal.get())
                    .as("inits after the fatal error: the one that timed out, then the one that opened it")
                    .isEqualTo(2);
            assertThat(poller.failure()).as("why the poller stopped, if it did").isEmpty();
        }
    }

    /**
     * Among a partition's log lines, the one saying it was opened once held back for a later group generation (after a
     * fence, or an init that may have fenced): opened in a later generation than the one it was held back in.
     */
    private static void assertOpenedInALaterGeneration(List<String> partitionLines) {
        java.util.regex.Matcher opened = partitionLines.stream()
                .map(java.util.regex.Pattern.compile(
                        "opened again in group generation (\\d+), which still gives it to this poller"
                                + " \\(held back since generation (-?\\d+)")::matcher)
                .filter(java.util.regex.Matcher::find)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no open held back for a later generation in " + partitionLines));
        assertThat(Integer.parseInt(opened.group(1)))
                .as("opened only in a later group generation than the one it was held back in")
                .isGreaterThan(Integer.parseInt(opened.group(2)));
    }

    /** The poller stopped (within two minutes) for a partition it could not use, its error saying each of {@code what}. */
    private static void assertStoppedSaying(Poller poller, String... what) {
        assertThat(poller.awaitStopped(Duration.ofSeconds(120)))
                .as("the poller stopped")
                .isTrue();
        assertThat(poller.failure())
                .get()
                .isInstanceOf(PartitionUnusableException.class)
                .extracting(Throwable::getMessage, org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains(what);
    }

    /** Initialises another producer with {@code transactionalId}, as a partition's next owner does: a fence. */
    private static void fence(KafkaCluster kafka, String transactionalId) {
        try (KafkaProducer<byte[], byte[]> other = new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers(), "transactional.id", transactionalId),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            other.initTransactions();
        }
    }

    /** A 25-item inline job on genai.batches partition 0, finished at the API, recorded PENDING. */
    private static PollFixture.Batch finishedJob(PollFixture f, String batchId) throws Exception {
        PollFixture.Batch batch = f.writeBatch(batchId, RequestKind.GENERATE, 25, 0);
        String jobName = f.createJob(batch, InputMode.INLINE);
        f.emulator.finishNow(jobName);
        f.writeJob(batch, jobName, InputMode.INLINE);
        return batch;
    }

    /** The job is published, each request answered once with its own answer, {@code counted} by the poller. */
    private static void assertPublishedOnce(PollFixture f, PollFixture.Batch batch, Poller poller, long counted)
            throws Exception {
        assertThat(f.awaitPublished(batch.batchId()).getPublishedThrough()).isEqualTo(25);
        Map<String, ConsumerRecord<byte[], byte[]>> byKey = f.assertOneResponsePerKey(batch);
        for (BatchItem item : batch.items()) {
            assertThat(text(value(byKey.get(utf8(item.getKey()))).getResponse()))
                    .isEqualTo("echo: " + batch.prompts().get(item.getRequestId()));
        }
        assertThat(poller.counters().snapshot().responses(ResponseStatus.SUCCEEDED))
                .as("counted once, after their commits")
                .isEqualTo(counted);
        assertThat(poller.isRunning()).as("the poller still runs").isTrue();
    }
}
