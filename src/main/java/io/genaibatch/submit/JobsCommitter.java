package io.genaibatch.submit;

import io.genaibatch.records.BatchJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of the submitter's one-way flow: what submissions hand over (intents, job records) and the tombstones of
 * finished history become genai.jobs records, each transaction carrying the genai.batches offsets they allow
 * ({@link PartitionBatches#toCommit}). Workers call the {@link JobLog} side from any thread; everything else runs
 * on the consumer thread, the only one that may use the {@link JobsWriter} (the transactional producer and the
 * consumer's group metadata) and the partition states.
 */
final class JobsCommitter implements JobLog {
    private static final Logger log = LoggerFactory.getLogger(JobsCommitter.class);
    /** Offsets alone (batches skipped or still open) are committed at most this often. */
    private static final Duration OFFSETS_INTERVAL = Duration.ofSeconds(1);

    private static final int TOMBSTONES_PER_TRANSACTION = 1_000;

    private sealed interface Request permits IntentRequest, RecordRequest {
        BatchJob job();
    }

    private record IntentRequest(SealedBatch batch, BatchJob job, CompletableFuture<Void> written) implements Request {}

    private record RecordRequest(SealedBatch batch, BatchJob job) implements Request {}

    private final JobsWriter writer;
    private final String batchesTopic;
    private final String jobsTopic;
    /** The consumer thread's partition states: read for offsets, and a recorded batch leaves its partition's. */
    private final Map<TopicPartition, PartitionBatches> partitions;

    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private long lastOffsetsCommit = System.nanoTime();
    private volatile boolean exited;

    JobsCommitter(
            JobsWriter writer,
            String batchesTopic,
            String jobsTopic,
            Map<TopicPartition, PartitionBatches> partitions) {
        this.writer = writer;
        this.batchesTopic = batchesTopic;
        this.jobsTopic = jobsTopic;
        this.partitions = partitions;
    }

    /** Fences an earlier run with the same transactional.id and aborts what it left open. */
    void init() {
        writer.init();
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

    /**
     * Writes what workers handed over, and the offsets it allows, in one transaction.
     *
     * @param wait         how long to wait for a first request when there is none
     * @param flushOffsets commit advanced offsets now, not only every {@link #OFFSETS_INTERVAL}
     */
    void service(Duration wait, boolean flushOffsets) {
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
            PartitionBatches pb = partitions.get(new TopicPartition(batchesTopic, partitionOf(r)));
            if (r instanceof IntentRequest i) {
                if (pb == null || pb.revoking()) {
                    i.written()
                            .completeExceptionally(new NotWritten(
                                    "partition " + partitionOf(r) + " is no longer owned by this instance",
                                    true,
                                    null));
                } else {
                    intents.add(i);
                }
            } else if (r instanceof RecordRequest rec) {
                PartitionBatches.InFlight f =
                        pb == null ? null : pb.inFlight(rec.batch().batchId());
                if (f == null || f.batch() != rec.batch()) {
                    log.warn(
                            "Batch {}: job {} ({}) could not be recorded here: its partition moved to another instance,"
                                    + " which finds the job by displayName",
                            rec.batch().batchId(),
                            rec.job().getJobName(),
                            rec.job().getState());
                } else {
                    records.add(rec);
                    recording.add(rec.batch().batchId());
                }
            }
        }
        // Every partition an intent or a job record is written for carries its offset, advanced or not: with the
        // group metadata that fences the write to this instance's generation, so a submitter paused past its
        // session can neither create (intent) nor record a stale state over what the new owner wrote (record).
        Set<Integer> fenced = new HashSet<>();
        intents.forEach(i -> fenced.add(partitionOf(i)));
        records.forEach(r -> fenced.add(r.batch().partition()));
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionBatches pb : partitions.values()) {
            long c = pb.toCommit(recording, fenced.contains(pb.partition().partition()));
            if (c >= 0) {
                offsets.put(pb.partition(), new OffsetAndMetadata(c));
            }
        }
        boolean offsetsDue = !offsets.isEmpty()
                && (flushOffsets
                        || !intents.isEmpty()
                        || !records.isEmpty()
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
            PartitionBatches pb =
                    partitions.get(new TopicPartition(batchesTopic, rec.batch().partition()));
            pb.removeInFlight(rec.batch().batchId());
            Spool.deleteQuietly(rec.batch().spool());
            log.info(
                    "Batch {} recorded in {}: {} ({})",
                    rec.batch().batchId(),
                    jobsTopic,
                    rec.job().getJobName() == null
                            ? "no job"
                            : "job " + rec.job().getJobName(),
                    rec.job().getState());
        }
    }

    /** True when committed; false when aborted (intents failed, records handed back for the next round). */
    private boolean commit(
            List<IntentRequest> intents, List<RecordRequest> records, Map<TopicPartition, OffsetAndMetadata> offsets) {
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
        log.warn(
                "Transaction on {} aborted ({}); {} intents refused, {} job records will be written again",
                jobsTopic,
                aborted.toString(),
                intents.size(),
                records.size());
        failIntents(intents, aborted);
        requests.addAll(records);
        return false;
    }

    /**
     * Deletes from genai.jobs the job records of finished batches that retention took from genai.batches (see
     * {@link KnownJobs}), in transactions fenced like every other write here: each carries the committed offsets
     * of the partitions it concerns with the group metadata, so an instance that lost the partitions meanwhile
     * writes nothing. A refused transaction is only logged: the next assignment finds them again.
     *
     * @param retentionPassed batchId → its genai.batches partition
     */
    void tombstone(Map<String, Integer> retentionPassed, Duration budget) {
        List<Map.Entry<String, Integer>> all = new ArrayList<>(retentionPassed.entrySet());
        int written = 0;
        long started = System.nanoTime();
        for (int from = 0; from < all.size(); from += TOMBSTONES_PER_TRANSACTION) {
            if (from > 0 && System.nanoTime() - started > budget.toNanos()) {
                log.info(
                        "Tombstoning stopped after {} of {} job records ({} spent): the rest waits for the next "
                                + "assignment",
                        written,
                        all.size(),
                        budget);
                break;
            }
            List<Map.Entry<String, Integer>> chunk =
                    all.subList(from, Math.min(all.size(), from + TOMBSTONES_PER_TRANSACTION));
            List<JobsWriter.Entry> tombstones = new ArrayList<>();
            Map<TopicPartition, OffsetAndMetadata> fence = new HashMap<>();
            for (Map.Entry<String, Integer> e : chunk) {
                tombstones.add(JobsWriter.Entry.tombstone(e.getKey()));
                log.debug(
                        "Batch {}: tombstoning its job record (PUBLISHED, its batch deleted by retention from"
                                + " partition {})",
                        e.getKey(),
                        e.getValue());
                PartitionBatches pb = partitions.get(new TopicPartition(batchesTopic, e.getValue()));
                if (pb != null && pb.committed() >= 0) {
                    fence.put(pb.partition(), new OffsetAndMetadata(pb.committed()));
                }
            }
            KafkaException aborted = writer.write(tombstones, fence);
            if (aborted != null) {
                log.warn(
                        "Transaction of {} tombstones on {} aborted ({}); the next assignment tries again",
                        tombstones.size(),
                        jobsTopic,
                        aborted.toString());
                break;
            }
            written += tombstones.size();
        }
        if (written > 0) {
            log.info(
                    "Tombstoned {} job records in {} (jobs PUBLISHED whose batches retention deleted from {}{}),"
                            + " e.g. batch {}",
                    written,
                    jobsTopic,
                    batchesTopic,
                    written < all.size() || all.size() == KnownJobs.MAX_TOMBSTONES_PER_READ
                            ? "; more are left for the next assignment"
                            : "",
                    all.get(0).getKey());
        }
    }

    private static int partitionOf(Request r) {
        return r.job().getItemsPartition();
    }

    private void failIntents(List<IntentRequest> intents, Exception cause) {
        for (IntentRequest i : intents) {
            i.written().completeExceptionally(new NotWritten("transaction aborted: " + cause, false, cause));
        }
    }

    /** The loop ended: nothing more will be written, so every intent waiting now or later is refused. */
    void exited() {
        exited = true;
        failPending();
    }

    private void failPending() {
        List<Request> left = new ArrayList<>();
        requests.drainTo(left);
        for (Request r : left) {
            if (r instanceof IntentRequest i) {
                i.written().completeExceptionally(new NotWritten("the submitter is stopped", true, null));
            } else if (r instanceof RecordRequest rec && rec.job().getJobName() != null) {
                log.warn(
                        "Batch {}: job {} was created but is not recorded (the submitter stopped); the next owner of"
                                + " the partition finds it by displayName",
                        rec.batch().batchId(),
                        rec.job().getJobName());
            }
        }
    }

    void close(Duration timeout) {
        writer.close(timeout);
    }
}
