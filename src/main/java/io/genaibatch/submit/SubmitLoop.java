package io.genaibatch.submit;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.genaibatch.batch.Lineage;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.batch.JsonlLine;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.BatchSeal;
import io.genaibatch.records.InputMode;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The submitter's consumer thread: reads genai.batches, spools items, starts a {@link Submission} per seal, and
 * is the only writer of genai.jobs and of the group's offsets, through its {@link JobsWriter} (each transaction
 * carrying job records and the offsets they allow). Workers reach it through {@link JobLog}.
 */
final class SubmitLoop implements Runnable, JobLog {
    private static final Logger log = LoggerFactory.getLogger(SubmitLoop.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    /** Offsets alone (batches skipped or still open) are committed at most this often. */
    private static final Duration OFFSETS_INTERVAL = Duration.ofSeconds(1);
    /** A read of a range child's items fails its try when its position stays put this long (at least). */
    private static final Duration RANGE_NO_PROGRESS = Duration.ofMinutes(2);
    private static final int TOMBSTONES_PER_TRANSACTION = 1_000;

    private sealed interface Request permits IntentRequest, RecordRequest {
        BatchJob job();
    }

    private record IntentRequest(SealedBatch batch, BatchJob job, CompletableFuture<Void> written) implements Request {
    }

    private record RecordRequest(SealedBatch batch, BatchJob job) implements Request {
    }

    private final SubmitSettings settings;
    private final Consumer<String, byte[]> consumer;
    private final Consumer<String, byte[]> jobsConsumer;
    /** read_uncommitted, no group: only for the end of genai.jobs including transactions still open. */
    private final Consumer<String, byte[]> jobsEnds;
    private final JobsWriter writer;
    private final ScheduledThreadPoolExecutor workers;
    private final Spool spool;
    private final SubmitCounters counters;
    private final Clock clock;
    private final Submission.Context ctx;
    private final RecordCodec<BatchRecord> batchCodec = RecordCodec.batchRecord();
    private final RecordCodec<BatchJob> jobCodec = RecordCodec.batchJob();
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    // Consumer thread only.
    private final Map<TopicPartition, PartitionBatches> partitions = new HashMap<>();
    private final KnownJobs known = new KnownJobs();
    private boolean pausedForBackpressure;
    private long lastOffsetsCommit = System.nanoTime();
    private boolean crashed;

    private volatile boolean stopping;
    private volatile boolean exited;
    private volatile int owned;

    /**
     * @param consumer     subscribed here to genai.batches (read_committed, the submitter's group, no auto-commit)
     * @param jobsConsumer read_committed, no group: reads genai.jobs when partitions are assigned
     * @param producer     transactional, not yet initialised
     * @param rangeConsumers makes a consumer for each read of a range child's items (read_committed, no group,
     *                     auto.offset.reset=none); the read closes it
     */
    SubmitLoop(SubmitSettings settings, Consumer<String, byte[]> consumer, Consumer<String, byte[]> jobsConsumer,
               Consumer<String, byte[]> jobsEnds, Producer<String, byte[]> producer, Supplier<Consumer<String, byte[]>> rangeConsumers, BatchApi api,
               SubmitHooks hooks, SubmitCounters counters, Clock clock) {
        this.settings = settings;
        this.consumer = consumer;
        this.jobsEnds = jobsEnds;
        this.jobsConsumer = jobsConsumer;
        this.writer = new JobsWriter(producer, consumer, settings.jobsTopic(), settings.valueFormat(), counters);
        this.spool = new Spool(settings.spoolDir(), settings.groupId(), settings.batchesTopic());
        this.counters = counters;
        this.clock = clock;
        this.workers = new ScheduledThreadPoolExecutor(settings.maxJobsInFlight(),
                Threads.named("genai-batch-submit-" + settings.instanceId() + "-worker"));
        this.workers.setRemoveOnCancelPolicy(true);
        Backoff backoff = new Backoff(settings.retryInitialBackoff(), settings.retryMaxBackoff(),
                () -> ThreadLocalRandom.current().nextDouble());
        RangeSpooler ranges = new RangeSpooler(rangeConsumers, settings.batchesTopic(),
                settings.shutdownTimeout().compareTo(RANGE_NO_PROGRESS) > 0 ? settings.shutdownTimeout()
                        : RANGE_NO_PROGRESS);
        this.ctx = new Submission.Context(api, this, new JobFinder(api, settings.listPageSize(), counters),
                settings.inlineMaxBytes(), backoff, counters, hooks, workers, clock, this::crash, new Semaphore(1),
                ranges, settings.createLookupWindow());
    }

    CompletableFuture<Void> stopped() {
        return stopped;
    }

    /** How many genai.batches partitions this instance owns now. */
    int ownedPartitions() {
        return owned;
    }

    /** Asks the loop to stop in order (final commit, leave the group); returns at once. */
    void stop() {
        stopping = true;
    }

    @Override
    public void run() {
        try {
            writer.init();
            consumer.subscribe(List.of(settings.batchesTopic()), new Rebalance());
            while (!stopping && fatal.get() == null) {
                service(Duration.ZERO, false);
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
            log.error("Records {}..{} of {} were deleted by retention before this submitter read them (it was down, "
                    + "or behind, longer than the topic keeps records): the batches among them were not submitted "
                    + "and their requests will get no response. Continuing from offset {}. Keep topics.retention "
                    + "(genai.batches) longer than the submitter may be down.", from, start - 1, tp, start, start);
            PartitionBatches pb = partitions.get(tp);
            if (pb != null) {
                pb.lostBefore(start);
            }
            consumer.seek(tp, start);
        });
    }

    // ---- JobLog, called from worker threads ----

    @Override
    public void writeIntent(SealedBatch batch, BatchJob intent) throws InterruptedException, NotWritten {
        IntentRequest r = new IntentRequest(batch, intent, new CompletableFuture<>());
        requests.add(r);
        if (exited) {
            failPending();
        }
        try {
            r.written().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NotWritten n) {
                throw n;
            }
            throw new NotWritten("intent not written: " + e.getCause(), false, e.getCause());
        }
    }

    @Override
    public void record(SealedBatch batch, BatchJob job) {
        requests.add(new RecordRequest(batch, job));
    }

    // ---- the consumer thread ----

    private void handle(ConsumerRecords<String, byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            PartitionBatches pb = partitions.get(tp);
            if (pb == null) {
                continue;
            }
            for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
                if (!handle(pb, r)) {
                    // Full: this seal waits, unread, until a batch in flight is recorded. Nothing is held on heap.
                    consumer.seek(tp, r.offset());
                    pauseForBackpressure();
                    break;
                }
            }
        }
    }

    /** False when the record is a seal that cannot be taken on now (max jobs in flight). */
    private boolean handle(PartitionBatches pb, ConsumerRecord<String, byte[]> r) {
        BatchRecord value;
        try {
            value = r.value() == null ? null : batchCodec.decode(r.value());
        } catch (RuntimeException e) {
            counters.undecodable();
            log.error("Skipping unreadable record {}-{}@{} (key {}): {}. If it belonged to a batch, that batch's seal"
                    + " will not match what was spooled and the batch is recorded FAILED.", r.topic(), r.partition(),
                    r.offset(), r.key(), e.getMessage());
            pb.consumed(r.offset());
            return true;
        }
        if (value == null || (value.getItem() == null) == (value.getSeal() == null)) {
            counters.undecodable();
            log.error("Skipping record {}-{}@{} (key {}): expected a BatchRecord with exactly one of item and seal",
                    r.topic(), r.partition(), r.offset(), r.key());
            pb.consumed(r.offset());
            return true;
        }
        String batchId = value.getBatchId();
        if (known.isDone(batchId)) {
            // Read again after a restart: the batch already has its job record.
            counters.skipped();
            if (value.getSeal() != null) {
                known.passed(batchId);
            }
            pb.consumed(r.offset());
            return true;
        }
        if (value.getItem() != null) {
            spoolItem(pb, batchId, value.getItem(), r.offset());
        } else {
            if (inFlightCount() >= settings.maxJobsInFlight()) {
                return false;
            }
            seal(pb, value, r);
        }
        pb.consumed(r.offset());
        return true;
    }

    private void spoolItem(PartitionBatches pb, String batchId, BatchItem item, long offset) {
        PartitionBatches.Open open = pb.open(batchId);
        if (open == null) {
            if (pb.inFlight(batchId) != null) {
                log.error("Batch {}: item {} at offset {} comes after the batch's seal; ignored (the batch is already"
                        + " being submitted without it)", batchId, item.getRequestId(), offset);
                return;
            }
            // The batch's first item in this run: start its spool afresh (a file from before a crash is stale).
            open = new PartitionBatches.Open(offset, spool.create(pb.partition().partition(), batchId));
            pb.addOpen(batchId, open);
        }
        open.writer.append(JsonlLine.bytes(item));
    }

    private void seal(PartitionBatches pb, BatchRecord value, ConsumerRecord<String, byte[]> r) {
        long offset = r.offset();
        String batchId = value.getBatchId();
        BatchSeal seal = value.getSeal();
        BatchJob earlierIntent = known.intent(batchId);
        known.passed(batchId);
        if (pb.inFlight(batchId) != null) {
            log.error("Batch {}: a second seal at offset {}; ignored", batchId, offset);
            return;
        }
        Lineage lineage = lineage(r, batchId);
        PartitionBatches.Open open = pb.removeOpen(batchId);
        int count = 0;
        long bytes = 0;
        long firstOffset = offset;
        if (open != null) {
            open.writer.close();
            count = open.writer.lines();
            bytes = open.writer.bytes();
            firstOffset = open.firstOffset;
        }
        int partition = pb.partition().partition();
        if (lineage.items() != null) {
            sealRange(pb, seal, batchId, lineage, offset, count, earlierIntent);
            return;
        }
        SealedBatch batch = new SealedBatch(batchId, seal.getGroupKey(), seal.getModel(), seal.getKind(), count, bytes,
                partition, firstOffset, offset, open != null ? open.writer.path() : spool.path(partition, batchId),
                seal.getSealedAt(), lineage);
        if (count != seal.getCount() || bytes != seal.getBytes() || count == 0) {
            mismatch(pb, batch, earlierIntent, count == 0 && seal.getCount() == 0
                    ? "the seal at offset " + offset + " closes a batch without items; there is nothing to submit"
                    : "the seal at offset " + offset + " says " + seal.getCount() + " items / " + seal.getBytes()
                    + " bytes, but " + count + " items / " + bytes + " bytes were read from offset " + firstOffset
                    + "; the batch is not submitted (a job from it would miss or repeat requests)");
            return;
        }
        start(pb, batch, earlierIntent, "");
    }

    /**
     * The seal of a range child: its items are another batch's, read from the range by its submission on a worker
     * (a range can be 2 GB) and checked against the seal there. Here only what the seal alone tells is checked.
     *
     * @param ownItems items that carried the child's own id before its seal (there should be none)
     */
    private void sealRange(PartitionBatches pb, BatchSeal seal, String batchId, Lineage lineage, long offset,
                           int ownItems, BatchJob earlierIntent) {
        Lineage.ItemsRange range = lineage.items();
        int partition = pb.partition().partition();
        SealedBatch batch = new SealedBatch(batchId, seal.getGroupKey(), seal.getModel(), seal.getKind(),
                seal.getCount(), seal.getBytes(), partition, range.fromOffset(), offset, spool.path(partition, batchId),
                seal.getSealedAt(), lineage);
        String where = "items range " + range.batchId() + " " + range.partition() + ":" + range.fromOffset() + ".."
                + range.toOffset();
        String problem = null;
        if (ownItems > 0) {
            problem = "the seal at offset " + offset + " names an " + where + ", but " + ownItems + " items of the"
                    + " batch's own precede it";
        } else if (range.partition() != partition || range.toOffset() >= offset) {
            // Job records name one partition, the seal's: the poller and a restart find the batch there.
            problem = "the seal at offset " + offset + " of partition " + partition + " names an " + where
                    + ", which does not lie before it in its partition";
        } else if (seal.getCount() == 0) {
            problem = "the seal at offset " + offset + " closes a batch without items; there is nothing to submit";
        }
        if (problem != null) {
            mismatch(pb, batch, earlierIntent, problem + "; the batch is not submitted");
            return;
        }
        start(pb, batch, earlierIntent, ", child of " + lineage.parentBatchId() + " (attempt " + lineage.attempt()
                + ", " + lineage.reason() + "), its " + where + " read next");
    }

    /** Nothing is created for the batch: FAILED (SEAL_MISMATCH), so that each request found gets a response. */
    private void mismatch(PartitionBatches pb, SealedBatch batch, BatchJob earlierIntent, String problem) {
        counters.sealMismatch();
        counters.failedBatch();
        long lostBefore = pb.lostBefore();
        String message = problem;
        if (lostBefore >= 0 && batch.firstItemOffset() >= lostBefore) {
            // Its first items may well have been among the records retention deleted before they were read.
            message = problem + " (records before offset " + lostBefore + " of " + pb.partition() + " were deleted "
                    + "by retention before this submitter read them: the missing items were probably among them)";
            log.error("Batch {}: {}. Recorded FAILED (SEAL_MISMATCH) so that each request found gets a terminal "
                    + "response.", batch.batchId(), message);
        } else {
            log.error("Batch {}: {}. Recorded FAILED (SEAL_MISMATCH) so that each request found gets a terminal"
                    + " response; this is a bug in the accumulator, the poller or the submitter, please report it.",
                    batch.batchId(), message);
        }
        pb.addInFlight(batch, null);
        record(batch, JobRecords.failed(batch, earlierIntent, InputMode.FILE, "SEAL_MISMATCH", message, null,
                clock.instant()));
    }

    private void start(PartitionBatches pb, SealedBatch batch, BatchJob earlierIntent, String child) {
        Submission submission = new Submission(batch, earlierIntent, ctx);
        pb.addInFlight(batch, submission);
        log.info("Batch {} sealed ({} requests, {} bytes, {} {}){}{}", batch.batchId(), batch.itemCount(),
                batch.itemBytes(), batch.kind(), batch.model(), child, earlierIntent == null ? ""
                        : "; an earlier run recorded its intent, so its job is looked up by displayName first");
        submission.start();
    }

    /** The lineage on a seal; a header that cannot be read is reported and the batch taken for a root. */
    private static Lineage lineage(ConsumerRecord<String, byte[]> r, String batchId) {
        try {
            return Lineage.orRoot(r.headers(), batchId);
        } catch (IllegalArgumentException e) {
            log.error("Batch {}: the seal at {}-{}@{} has an unreadable {} header ({}); submitted as a batch of its"
                    + " own items, attempt 1", batchId, r.topic(), r.partition(), r.offset(), Lineage.HEADER,
                    e.getMessage());
            return Lineage.root(batchId);
        }
    }

    private int inFlightCount() {
        int n = 0;
        for (PartitionBatches pb : partitions.values()) {
            n += pb.inFlightBatches().size();
        }
        return n;
    }

    private void pauseForBackpressure() {
        if (!pausedForBackpressure) {
            pausedForBackpressure = true;
            counters.paused();
            consumer.pause(consumer.assignment());
            log.info("{} batches in flight (submit.max-jobs-in-flight): pausing genai.batches until one is recorded",
                    inFlightCount());
        }
    }

    private void resumeIfRoom() {
        if (pausedForBackpressure && inFlightCount() < settings.maxJobsInFlight()) {
            pausedForBackpressure = false;
            consumer.resume(consumer.paused());
            log.info("Resuming genai.batches ({} batches in flight)", inFlightCount());
        }
    }

    /**
     * Writes what workers handed over, and the offsets it allows, in one transaction.
     *
     * @param wait        how long to wait for a first request when there is none
     * @param flushOffsets commit advanced offsets now, not only every {@link #OFFSETS_INTERVAL}
     */
    private void service(Duration wait, boolean flushOffsets) {
        List<Request> batch = new ArrayList<>();
        if (!wait.isZero()) {
            try {
                Request first = requests.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
        }
        requests.drainTo(batch);
        List<IntentRequest> intents = new ArrayList<>();
        List<RecordRequest> records = new ArrayList<>();
        Set<String> recording = new HashSet<>();
        for (Request r : batch) {
            PartitionBatches pb = partitions.get(new TopicPartition(settings.batchesTopic(), partitionOf(r)));
            if (r instanceof IntentRequest i) {
                if (pb == null || pb.revoking()) {
                    i.written().completeExceptionally(new NotWritten("partition " + partitionOf(r)
                            + " is no longer owned by this instance", true, null));
                } else {
                    intents.add(i);
                }
            } else if (r instanceof RecordRequest rec) {
                PartitionBatches.InFlight f = pb == null ? null : pb.inFlight(rec.batch().batchId());
                if (f == null || f.batch() != rec.batch()) {
                    log.warn("Batch {}: job {} ({}) could not be recorded here: its partition moved to another instance,"
                            + " which finds the job by displayName", rec.batch().batchId(), rec.job().getJobName(),
                            rec.job().getState());
                } else {
                    records.add(rec);
                    recording.add(rec.batch().batchId());
                }
            }
        }
        Set<Integer> withIntent = new HashSet<>();
        intents.forEach(i -> withIntent.add(partitionOf(i)));
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionBatches pb : partitions.values()) {
            long c = pb.toCommit(recording, withIntent.contains(pb.partition().partition()));
            if (c >= 0) {
                offsets.put(pb.partition(), new OffsetAndMetadata(c));
            }
        }
        boolean offsetsDue = !offsets.isEmpty() && (flushOffsets || !intents.isEmpty() || !records.isEmpty()
                || System.nanoTime() - lastOffsetsCommit >= OFFSETS_INTERVAL.toNanos());
        if (intents.isEmpty() && records.isEmpty() && !offsetsDue) {
            return;
        }
        if (!commit(intents, records, offsets)) {
            return;
        }
        lastOffsetsCommit = System.nanoTime();
        offsets.forEach((tp, o) -> partitions.get(tp).committed(o.offset()));
        intents.forEach(i -> i.written().complete(null));
        for (RecordRequest rec : records) {
            PartitionBatches pb = partitions.get(new TopicPartition(settings.batchesTopic(), rec.batch().partition()));
            pb.removeInFlight(rec.batch().batchId());
            Spool.deleteQuietly(rec.batch().spool());
            log.info("Batch {} recorded in {}: {} ({})", rec.batch().batchId(), settings.jobsTopic(),
                    rec.job().getJobName() == null ? "no job" : "job " + rec.job().getJobName(), rec.job().getState());
        }
    }

    /** True when committed; false when aborted (intents failed, records handed back for the next round). */
    private boolean commit(List<IntentRequest> intents, List<RecordRequest> records,
                           Map<TopicPartition, OffsetAndMetadata> offsets) {
        List<JobsWriter.Entry> jobs = new ArrayList<>();
        intents.forEach(i -> jobs.add(new JobsWriter.Entry(i.job(), i.batch().lineage())));
        records.forEach(r -> jobs.add(new JobsWriter.Entry(r.job(), r.batch().lineage())));
        KafkaException aborted;
        try {
            aborted = writer.write(jobs, offsets);
        } catch (KafkaException e) {
            failIntents(intents, e);
            throw e;
        }
        if (aborted == null) {
            return true;
        }
        log.warn("Transaction on {} aborted ({}); {} intents refused, {} job records will be written again",
                settings.jobsTopic(), aborted.toString(), intents.size(), records.size());
        failIntents(intents, aborted);
        requests.addAll(records);
        return false;
    }

    private static int partitionOf(Request r) {
        return r.job().getItemsPartition();
    }

    private void failIntents(List<IntentRequest> intents, Exception cause) {
        for (IntentRequest i : intents) {
            i.written().completeExceptionally(new NotWritten("transaction aborted: " + cause, false, cause));
        }
    }

    /** After the loop ended: nothing more will be written, so every waiting intent is refused. */
    private void failPending() {
        List<Request> left = new ArrayList<>();
        requests.drainTo(left);
        for (Request r : left) {
            if (r instanceof IntentRequest i) {
                i.written().completeExceptionally(new NotWritten("the submitter is stopped", true, null));
            } else if (r instanceof RecordRequest rec && rec.job().getJobName() != null) {
                log.warn("Batch {}: job {} was created but is not recorded (the submitter stopped); the next owner of"
                        + " the partition finds it by displayName", rec.batch().batchId(), rec.job().getJobName());
            }
        }
    }

    private void crash(Throwable t) {
        Throwable why = explained(t);
        if (fatal.compareAndSet(null, why)) {
            log.error("Submitter stopping on a fatal error: {}", why.getMessage(), why);
        }
    }

    /**
     * A fenced producer means another producer took this transactional.id: another instance started with the same
     * submit.instance-id (the two would fence each other in turn at every restart), or a restart of this very
     * instance replaced it. Say so, rather than Kafka's bare "a newer producer".
     */
    private Throwable explained(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof org.apache.kafka.common.errors.ProducerFencedException) {
                return new IllegalStateException("the submitter's transactional.id '" + settings.transactionalId()
                        + "' was taken over by another producer: another instance runs with submit.instance-id '"
                        + settings.instanceId() + "' (give every instance a unique one, or leave it unset: each "
                        + "spool directory then keeps an id of its own; a copied spool directory copies its id too), "
                        + "or this instance was restarted elsewhere. Stopping; nothing uncommitted is lost.", t);
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
        exited = true;
        failPending();
        workers.shutdownNow();
        closeQuietly(jobsConsumer::close);
        closeQuietly(jobsEnds::close);
        closeQuietly(() -> writer.close(orderly ? Duration.ofSeconds(5) : Duration.ZERO));
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
            log.info("Submitter stopped");
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

    /** Keeps the partition states in step with the group's assignment. Runs inside {@code poll} or {@code close}. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            if (assigned.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(assigned));
            Map<Integer, Long> byPartition = new HashMap<>();
            for (TopicPartition tp : assigned) {
                OffsetAndMetadata o = committed.get(tp);
                long offset = o == null ? -1 : o.offset();
                spool.clearPartition(tp.partition());
                partitions.put(tp, new PartitionBatches(tp, offset));
                byPartition.put(tp.partition(), offset);
            }
            // A transaction left open by a killed producer ends at its transaction.timeout.ms (1 min by default),
            // which the read may have to wait for (submit.jobs-read-timeout; checked against max.poll.interval.ms).
            Map<Integer, Long> logStarts = new HashMap<>();
            consumer.beginningOffsets(assigned).forEach((tp, start) -> logStarts.put(tp.partition(), start));
            known.load(jobsConsumer, jobsEnds, settings.jobsTopic(), byPartition, logStarts, jobCodec,
                    settings.jobsReadTimeout());
            tombstoneRetentionPassed();
            if (pausedForBackpressure) {
                consumer.pause(assigned);
            }
            owned = partitions.size();
            log.info("Assigned {} (committed offsets {}); {} batches of them already in {}", assigned, byPartition,
                    known.size(), settings.jobsTopic());
        }

        /**
         * Deletes from genai.jobs the finished jobs of these partitions whose batches retention deleted (see
         * {@link KnownJobs}), in transactions fenced like every other write here: each carries the committed
         * offsets of the partitions it concerns with the group metadata, so an instance that lost the partitions
         * meanwhile writes nothing. A refused transaction is only logged: the next assignment finds them again.
         */
        private void tombstoneRetentionPassed() {
            List<Map.Entry<String, Integer>> all = new ArrayList<>(known.retentionPassed().entrySet());
            int written = 0;
            for (int from = 0; from < all.size(); from += TOMBSTONES_PER_TRANSACTION) {
                List<Map.Entry<String, Integer>> chunk = all.subList(from,
                        Math.min(all.size(), from + TOMBSTONES_PER_TRANSACTION));
                List<JobsWriter.Entry> tombstones = new ArrayList<>();
                Map<TopicPartition, OffsetAndMetadata> fence = new HashMap<>();
                for (Map.Entry<String, Integer> e : chunk) {
                    tombstones.add(JobsWriter.Entry.tombstone(e.getKey()));
                    log.debug("Batch {}: tombstoning its job record (PUBLISHED, its batch deleted by retention from"
                            + " partition {})", e.getKey(), e.getValue());
                    PartitionBatches pb = partitions.get(new TopicPartition(settings.batchesTopic(), e.getValue()));
                    if (pb != null && pb.committed() >= 0) {
                        fence.put(pb.partition(), new OffsetAndMetadata(pb.committed()));
                    }
                }
                KafkaException aborted = writer.write(tombstones, fence);
                if (aborted != null) {
                    log.warn("Transaction of {} tombstones on {} aborted ({}); the next assignment tries again",
                            tombstones.size(), settings.jobsTopic(), aborted.toString());
                    break;
                }
                written += tombstones.size();
            }
            if (written > 0) {
                log.info("Tombstoned {} job records in {} (jobs PUBLISHED whose batches retention deleted from {}{}),"
                        + " e.g. batch {}", written, settings.jobsTopic(), settings.batchesTopic(),
                        all.size() == KnownJobs.MAX_TOMBSTONES_PER_READ ? "; more are left for the next assignment" : "",
                        all.get(0).getKey());
            }
            known.retentionPassed().clear();
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            if (crashed || revoked.isEmpty()) {
                return;
            }
            List<PartitionBatches> leaving = new ArrayList<>();
            for (TopicPartition tp : revoked) {
                PartitionBatches pb = partitions.get(tp);
                if (pb != null) {
                    pb.revoking(true);
                    leaving.add(pb);
                }
            }
            // Whatever has not reached create stops here; a create under way is waited for and recorded.
            List<Submission> creating = new ArrayList<>();
            for (PartitionBatches pb : leaving) {
                for (PartitionBatches.InFlight f : pb.inFlightBatches().values()) {
                    if (f.submission() != null && !f.submission().cancel()) {
                        creating.add(f.submission());
                    }
                }
            }
            long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
            while (creating.stream().anyMatch(Submission::isCreating) && System.nanoTime() < deadline) {
                service(Duration.ofMillis(50), false);
            }
            service(Duration.ZERO, true);
            for (Submission s : creating) {
                if (s.isCreating()) {
                    log.warn("Batch {}: create still unanswered after {}; giving the partition up anyway. The next owner"
                            + " looks the job up by displayName before creating.", s.batch().batchId(),
                            settings.shutdownTimeout());
                }
            }
            drop(leaving);
            log.info("Revoked {}", revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            // The group moved on without us: commits would be refused, so stop and keep nothing.
            List<PartitionBatches> leaving = new ArrayList<>();
            for (TopicPartition tp : lost) {
                PartitionBatches pb = partitions.get(tp);
                if (pb != null) {
                    pb.revoking(true);
                    pb.inFlightBatches().values().forEach(f -> {
                        if (f.submission() != null) {
                            f.submission().cancel();
                        }
                    });
                    leaving.add(pb);
                }
            }
            drop(leaving);
            log.warn("Lost {} (the group's session expired); their batches are taken over by the new owner", lost);
        }

        private void drop(List<PartitionBatches> leaving) {
            for (PartitionBatches pb : leaving) {
                pb.closeOpen();
                partitions.remove(pb.partition());
                known.forget(pb.partition().partition());
                spool.clearPartition(pb.partition().partition());
            }
            owned = partitions.size();
        }
    }
}
