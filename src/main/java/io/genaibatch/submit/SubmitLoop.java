package io.genaibatch.submit;

import io.genaibatch.gemini.BatchApi;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The submitter's consumer thread: reads genai.batches, spools items, starts a {@link Submission} per seal, and
 * between polls lets its {@link JobsCommitter}, the only writer of genai.jobs and of the group's offsets, write
 * what the submissions handed over. Data flows one way: genai.batches → spool → submission → committer.
 */
final class SubmitLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SubmitLoop.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

    private final SubmitSettings settings;
    private final Consumer<String, byte[]> consumer;
    private final Consumer<String, byte[]> jobsConsumer;
    /** read_uncommitted, no group: only for the end of genai.jobs including transactions still open. */
    private final Consumer<String, byte[]> jobsEnds;

    private final JobsCommitter committer;
    private final ScheduledThreadPoolExecutor workers;
    private final SubmitCounters counters;
    private final BatchReader reader;
    private final PartitionAssignment assignment;
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    // Consumer thread only.
    private final Map<TopicPartition, PartitionBatches> partitions = new HashMap<>();
    private final KnownJobs known = new KnownJobs();
    private boolean pausedForBackpressure;
    private boolean crashed;

    private volatile boolean stopping;

    /**
     * @param consumer     subscribed here to genai.batches (read_committed, the submitter's group, no auto-commit)
     * @param jobsConsumer read_committed, no group: reads genai.jobs when partitions are assigned
     * @param producer     transactional, not yet initialised
     * @param rangeConsumers makes a consumer for each read of a range child's items (read_committed, no group,
     *                     auto.offset.reset=none); the read closes it
     */
    SubmitLoop(
            SubmitSettings settings,
            Consumer<String, byte[]> consumer,
            Consumer<String, byte[]> jobsConsumer,
            Consumer<String, byte[]> jobsEnds,
            Producer<String, byte[]> producer,
            Supplier<Consumer<String, byte[]>> rangeConsumers,
            BatchApi api,
            SubmitHooks hooks,
            SubmitCounters counters,
            Clock clock) {
        this.settings = settings;
        this.consumer = consumer;
        this.jobsEnds = jobsEnds;
        this.jobsConsumer = jobsConsumer;
        this.committer = new JobsCommitter(
                new JobsWriter(producer, consumer, settings.jobsTopic(), settings.valueFormat(), counters),
                settings.batchesTopic(),
                settings.jobsTopic(),
                partitions);
        this.counters = counters;
        this.workers = new ScheduledThreadPoolExecutor(
                settings.maxJobsInFlight(), Threads.named("genai-batch-submit-" + settings.instanceId() + "-worker"));
        this.workers.setRemoveOnCancelPolicy(true);
        Backoff backoff = new Backoff(
                settings.retryInitialBackoff(),
                settings.retryMaxBackoff(),
                () -> ThreadLocalRandom.current().nextDouble());
        RangeSpooler ranges = new RangeSpooler(
                rangeConsumers,
                settings.batchesTopic(),
                settings.shutdownTimeout().compareTo(settings.rangeReadTimeout()) > 0
                        ? settings.shutdownTimeout()
                        : settings.rangeReadTimeout());
        Submission.Context ctx = new Submission.Context(
                api,
                committer,
                new JobFinder(api, settings.listPageSize(), counters),
                settings.inlineMaxBytes(),
                backoff,
                counters,
                hooks,
                workers,
                clock,
                this::crash,
                new Semaphore(1),
                ranges,
                settings.createLookupWindow());
        Spool spool = new Spool(settings.spoolDir(), settings.groupId(), settings.batchesTopic());
        this.reader = new BatchReader(partitions, known, spool, ctx, settings.maxJobsInFlight(), counters, clock);
        this.assignment = new PartitionAssignment(
                settings,
                consumer,
                jobsConsumer,
                jobsEnds,
                partitions,
                known,
                spool,
                committer,
                () -> pausedForBackpressure,
                () -> crashed);
    }

    CompletableFuture<Void> stopped() {
        return stopped;
    }

    /** How many genai.batches partitions this instance owns now. */
    int ownedPartitions() {
        return assignment.owned();
    }

    /** Asks the loop to stop in order (final commit, leave the group); returns at once. */
    void stop() {
        stopping = true;
    }

    @Override
    public void run() {
        try {
            committer.init();
            consumer.subscribe(List.of(settings.batchesTopic()), assignment);
            while (!stopping && fatal.get() == null) {
                committer.service(Duration.ZERO, false);
                resumeIfRoom();
                ConsumerRecords<String, byte[]> records;
                try {
                    records = consumer.poll(POLL_TIMEOUT);
                } catch (NoOffsetForPartitionException e) {
                    // A group that never committed on these partitions: from the beginning, as a new group reads.
                    consumer.seekToBeginning(e.partitions());
                    continue;
                } catch (OffsetOutOfRangeException e) {
                    lostToRetention(e.offsetOutOfRangePartitions());
                    continue;
                }
                handle(records);
            }
        } catch (Throwable t) {
            crash(t);
        } finally {
            shutdown();
        }
    }

    /**
     * The committed offset of a partition fell off the log: retention deleted records this group never read, so
     * batches among them were never submitted and their requests will get no response. Not skipped silently (as
     * auto.offset.reset=earliest would): said, with the offsets, and remembered so that a batch whose first items
     * went with them is recorded FAILED with that reason rather than as a bug.
     */
    private void lostToRetention(Map<TopicPartition, Long> outOfRange) {
        Map<TopicPartition, Long> starts = consumer.beginningOffsets(outOfRange.keySet());
        outOfRange.forEach((tp, from) -> {
            long start = starts.get(tp);
            log.error(
                    "Records {}..{} of {} were deleted by retention before this submitter read them (it was down, "
                            + "or behind, longer than the topic keeps records): the batches among them were not submitted "
                            + "and their requests will get no response. Continuing from offset {}. Keep topics.retention "
                            + "(genai.batches) longer than the submitter may be down.",
                    from,
                    start - 1,
                    tp,
                    start,
                    start);
            PartitionBatches pb = partitions.get(tp);
            if (pb != null) {
                pb.lostBefore(start);
            }
            consumer.seek(tp, start);
        });
    }

    // ---- the consumer thread ----

    private void handle(ConsumerRecords<String, byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            PartitionBatches pb = partitions.get(tp);
            if (pb == null) {
                continue;
            }
            for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
                if (!reader.take(pb, r)) {
                    // Full: this seal waits, unread, until a batch in flight is recorded. Nothing is held on heap.
                    consumer.seek(tp, r.offset());
                    pauseForBackpressure();
                    break;
                }
            }
        }
    }

    private void pauseForBackpressure() {
        if (!pausedForBackpressure) {
            pausedForBackpressure = true;
            counters.paused();
            consumer.pause(consumer.assignment());
            log.info(
                    "{} batches in flight (submit.max-jobs-in-flight): pausing genai.batches until one is recorded",
                    reader.inFlightCount());
        }
    }

    private void resumeIfRoom() {
        if (pausedForBackpressure && reader.inFlightCount() < settings.maxJobsInFlight()) {
            pausedForBackpressure = false;
            consumer.resume(consumer.paused());
            log.info("Resuming genai.batches ({} batches in flight)", reader.inFlightCount());
        }
    }

    private void crash(Throwable t) {
        Throwable why = explained(t);
        if (fatal.compareAndSet(null, why)) {
            // The role's lifecycle logs the failure at ERROR, with its stack, once the submitter has stopped (which
            // can take a while): one ERROR per failure, this line says when it was decided.
            log.warn("Submitter stopping on a fatal error: {}", why.getMessage());
        }
    }

    private Throwable explained(Throwable t) {
        return explained(t, settings.transactionalId(), settings.instanceId());
    }

    /**
     * A fenced producer means another producer took this transactional.id: another instance started with the same
     * submit.instance-id (the two would fence each other in turn at every restart), or a restart of this very
     * instance replaced it. Say so, rather than Kafka's bare "a newer producer". InvalidProducerEpoch says the same
     * when a send of the old epoch reaches the broker first, but also when the coordinator aborted a transaction of
     * this producer that outlived transaction.timeout.ms: then both causes are named. So does InvalidTxnState: under
     * Kafka's transactions v2 a commit in flight when the coordinator aborted the transaction (for a new producer of
     * the id, or a timeout) is refused so, fatal for the client (KAFKA-20785).
     */
    static Throwable explained(Throwable t, String transactionalId, String instanceId) {
        String sharedId = "another instance runs with submit.instance-id '" + instanceId + "' (give every instance a"
                + " unique one, or leave it unset: each spool directory then keeps an id of its own; a copied spool"
                + " directory copies its id too), or this instance was restarted elsewhere";
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof org.apache.kafka.common.errors.ProducerFencedException) {
                return new IllegalStateException(
                        "the submitter's transactional.id '" + transactionalId + "' was taken"
                                + " over by another producer: " + sharedId + ". Stopping; nothing uncommitted is lost.",
                        t);
            }
            if (c instanceof org.apache.kafka.common.errors.InvalidProducerEpochException
                    || c instanceof org.apache.kafka.common.errors.InvalidTxnStateException) {
                return new IllegalStateException(
                        "the submitter's producer (transactional.id '" + transactionalId
                                + "') is no longer current: either " + sharedId
                                + "; or a transaction of this producer outlived"
                                + " transaction.timeout.ms and the broker aborted it (a commit held up by a slow or stalled"
                                + " broker). Stopping; nothing uncommitted is lost.",
                        t);
            }
        }
        return t;
    }

    private void shutdown() {
        boolean orderly = fatal.get() == null;
        crashed = !orderly;
        try {
            if (!orderly) {
                // As a crash would: no more writes. Cancel work so nothing reaches create after this point.
                cancelAll();
            }
            // Orderly: leaving the group revokes every partition, which waits for creates under way and commits.
            consumer.close(CloseOptions.timeout(settings.shutdownTimeout().plusSeconds(5)));
        } catch (RuntimeException e) {
            crash(e);
            cancelAll();
        }
        committer.exited();
        workers.shutdownNow();
        closeQuietly(jobsConsumer::close);
        closeQuietly(jobsEnds::close);
        closeQuietly(() -> committer.close(orderly ? Duration.ofSeconds(5) : Duration.ZERO));
        for (PartitionBatches pb : partitions.values()) {
            pb.closeOpen();
        }
        partitions.clear();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Throwable t = fatal.get();
        if (t == null) {
            stopped.complete(null);
        } else {
            stopped.completeExceptionally(t);
        }
    }

    private void cancelAll() {
        for (PartitionBatches pb : partitions.values()) {
            for (PartitionBatches.InFlight f : pb.inFlightBatches().values()) {
                if (f.submission() != null) {
                    f.submission().cancel();
                }
            }
        }
    }

    private static void closeQuietly(Runnable close) {
        try {
            close.run();
        } catch (RuntimeException e) {
            log.warn("Error while closing a Kafka client: {}", e.toString());
        }
    }
}
