package io.genaibatch.submit;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.batch.JsonlLine;
import io.genaibatch.batch.Lineage;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.BatchSeal;
import io.genaibatch.records.InputMode;
import java.time.Clock;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start of the submitter's one-way flow: records of genai.batches, as the consumer thread polls them, become
 * spool files (items) and {@link Submission}s (seals), which hand their records to the {@link JobLog}. Reads no
 * Kafka client itself: the loop polls and seeks. Consumer thread only.
 */
final class BatchReader {
    private static final Logger log = LoggerFactory.getLogger(BatchReader.class);

    private final Map<TopicPartition, PartitionBatches> partitions;
    private final KnownJobs known;
    private final Spool spool;
    private final JobLog jobLog;
    private final Submission.Context ctx;
    private final int maxJobsInFlight;
    private final SubmitCounters counters;
    private final Clock clock;
    private final RecordCodec<BatchRecord> batchCodec = RecordCodec.batchRecord();

    /**
     * @param partitions the owned partitions' states, kept by the loop in step with the assignment
     * @param known      what genai.jobs says about batches that may be read again
     */
    BatchReader(
            Map<TopicPartition, PartitionBatches> partitions,
            KnownJobs known,
            Spool spool,
            Submission.Context ctx,
            int maxJobsInFlight,
            SubmitCounters counters,
            Clock clock) {
        this.partitions = partitions;
        this.known = known;
        this.spool = spool;
        this.jobLog = ctx.jobLog();
        this.ctx = ctx;
        this.maxJobsInFlight = maxJobsInFlight;
        this.counters = counters;
        this.clock = clock;
    }

    /**
     * Takes the next record of a partition this instance owns: an item goes to its batch's spool file, a seal starts
     * its batch's submission (or records it FAILED when it does not match what was spooled).
     *
     * @return false when the record is a seal that cannot be taken on now (max jobs in flight): it is left unread
     */
    boolean take(PartitionBatches pb, ConsumerRecord<String, byte[]> r) {
        BatchRecord value;
        try {
            value = r.value() == null ? null : batchCodec.decode(r.value());
        } catch (RuntimeException e) {
            counters.undecodable();
            log.error(
                    "Skipping unreadable record {}-{}@{} (key {}): {}. If it belonged to a batch, that batch's seal"
                            + " will not match what was spooled and the batch is recorded FAILED.",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    r.key(),
                    e.getMessage());
            pb.consumed(r.offset());
            return true;
        }
        if (value == null || (value.getItem() == null) == (value.getSeal() == null)) {
            counters.undecodable();
            log.error(
                    "Skipping record {}-{}@{} (key {}): expected a BatchRecord with exactly one of item and seal",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    r.key());
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
            if (inFlightCount() >= maxJobsInFlight) {
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
                log.error(
                        "Batch {}: item {} at offset {} comes after the batch's seal; ignored (the batch is already"
                                + " being submitted without it)",
                        batchId,
                        item.getRequestId(),
                        offset);
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
        SealedBatch batch = new SealedBatch(
                batchId,
                seal.getGroupKey(),
                seal.getModel(),
                seal.getKind(),
                count,
                bytes,
                partition,
                firstOffset,
                offset,
                open != null ? open.writer.path() : spool.path(partition, batchId),
                seal.getSealedAt(),
                lineage);
        if (count != seal.getCount() || bytes != seal.getBytes() || count == 0) {
            mismatch(
                    pb,
                    batch,
                    earlierIntent,
                    count == 0 && seal.getCount() == 0
                            ? "the seal at offset " + offset
                                    + " closes a batch without items; there is nothing to submit"
                            : "the seal at offset " + offset + " says " + seal.getCount() + " items / "
                                    + seal.getBytes()
                                    + " bytes, but " + count + " items / " + bytes + " bytes were read from offset "
                                    + firstOffset
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
    private void sealRange(
            PartitionBatches pb,
            BatchSeal seal,
            String batchId,
            Lineage lineage,
            long offset,
            int ownItems,
            BatchJob earlierIntent) {
        Lineage.ItemsRange range = lineage.items();
        int partition = pb.partition().partition();
        SealedBatch batch = new SealedBatch(
                batchId,
                seal.getGroupKey(),
                seal.getModel(),
                seal.getKind(),
                seal.getCount(),
                seal.getBytes(),
                partition,
                range.fromOffset(),
                offset,
                spool.path(partition, batchId),
                seal.getSealedAt(),
                lineage);
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
        start(
                pb,
                batch,
                earlierIntent,
                ", child of " + lineage.parentBatchId() + " (attempt " + lineage.attempt() + ", " + lineage.reason()
                        + "), its " + where + " read next");
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
            log.error(
                    "Batch {}: {}. Recorded FAILED (SEAL_MISMATCH) so that each request found gets a terminal "
                            + "response.",
                    batch.batchId(),
                    message);
        } else {
            log.error(
                    "Batch {}: {}. Recorded FAILED (SEAL_MISMATCH) so that each request found gets a terminal"
                            + " response; this is a bug in the accumulator, the poller or the submitter, please report it.",
                    batch.batchId(),
                    message);
        }
        pb.addInFlight(batch, null);
        jobLog.record(
                batch,
                SubmitterJobRecords.failed(
                        batch, earlierIntent, InputMode.FILE, ErrorCode.SEAL_MISMATCH, message, null, clock.instant()));
    }

    private void start(PartitionBatches pb, SealedBatch batch, BatchJob earlierIntent, String child) {
        Submission submission = new Submission(batch, earlierIntent, ctx);
        pb.addInFlight(batch, submission);
        log.info(
                "Batch {} sealed ({} requests, {} bytes, {} {}){}{}",
                batch.batchId(),
                batch.itemCount(),
                batch.itemBytes(),
                batch.kind(),
                batch.model(),
                child,
                earlierIntent == null
                        ? ""
                        : "; an earlier run recorded its intent, so its job is looked up by displayName first");
        submission.start();
    }

    /** The lineage on a seal; a header that cannot be read is reported and the batch taken for a root. */
    private static Lineage lineage(ConsumerRecord<String, byte[]> r, String batchId) {
        try {
            return Lineage.orRoot(r.headers(), batchId);
        } catch (IllegalArgumentException e) {
            log.error(
                    "Batch {}: the seal at {}-{}@{} has an unreadable {} header ({}); submitted as a batch of its"
                            + " own items, attempt 1",
                    batchId,
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    Lineage.HEADER,
                    e.getMessage());
            return Lineage.root(batchId);
        }
    }

    /** Sealed batches of every owned partition not yet recorded. */
    int inFlightCount() {
        int n = 0;
        for (PartitionBatches pb : partitions.values()) {
            n += pb.inFlightBatches().size();
        }
        return n;
    }
}
