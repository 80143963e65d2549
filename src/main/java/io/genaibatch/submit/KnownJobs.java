package io.genaibatch.submit;

import io.genaibatch.kafka.ReadToEnd;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.JobState;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What genai.jobs says about the batches this instance may read again: those of its genai.batches partitions
 * that end at or after the committed offset (only they can be re-read after a restart). A batch with a record
 * other than a bare intent is done and skipped; a bare intent (SUBMITTING, no job name) means a create may
 * have been sent, so its job is looked up by displayName before anything is created.
 *
 * <p>Loaded when partitions are assigned, by reading the compacted topic to its end; an entry is dropped once
 * its seal has been passed. Batches sealed in this run are never read again, so they are not added. Owned by
 * the consumer thread.
 *
 * <p>The same read finds the records that can go ({@link #retentionPassed()}): a job of one of these partitions
 * whose latest record is PUBLISHED (the poller is done with it) and whose seal lies below genai.batches' log start
 * (retention deleted the batch, so no consumer group, this one or a new one, can read it and create it again).
 * Tombstoning them keeps the topic, and this read, from growing with the whole history.
 */
final class KnownJobs {
    private static final Logger log = LoggerFactory.getLogger(KnownJobs.class);

    private record Entry(int partition, BatchJob intent) {}

    /**
     * Tombstones found by one read, at most: the first read over a long history finds them all, and this bounds
     * its heap (about 100 bytes each); the rest are found at the next assignment, once these are compacted away.
     */
    static final int MAX_TOMBSTONES_PER_READ = 100_000;

    private final Map<String, Entry> byBatch = new HashMap<>();
    /** batchId → its genai.batches partition, for the jobs found finished and retention-passed by the last read. */
    private final Map<String, Integer> retentionPassed = new LinkedHashMap<>();

    /** True when the batch already has its job (or its final FAILED record): its records are skipped. */
    boolean isDone(String batchId) {
        Entry e = byBatch.get(batchId);
        return e != null && e.intent == null;
    }

    /** The intent of an earlier run, when that is all genai.jobs has for the batch. */
    BatchJob intent(String batchId) {
        Entry e = byBatch.get(batchId);
        return e == null ? null : e.intent;
    }

    /** The batch's seal was read: it will not be read again in this run. */
    void passed(String batchId) {
        byBatch.remove(batchId);
    }

    void forget(int partition) {
        byBatch.values().removeIf(e -> e.partition == partition);
    }

    int size() {
        return byBatch.size();
    }

    /**
     * The batches whose job records the last {@link #load} found safe to tombstone (batchId → genai.batches
     * partition): finished, and their batch deleted from genai.batches by retention.
     */
    Map<String, Integer> retentionPassed() {
        return retentionPassed;
    }

    /**
     * Reads genai.jobs from the start to its last committed record, keeping what concerns {@code partitions}
     * (genai.batches partition → committed offset, -1 when none).
     *
     * @param jobsConsumer an unsubscribed read_committed consumer, used here and left open for its owner
     * @param jobsEnds     a read_uncommitted consumer, for the ends of the partitions only
     * @param logStarts    genai.batches partition → its log start offset (below it, retention deleted the records)
     * @param timeout      the longest the read may go without progress: a large history is not a failure, a read
     *                     that stops moving (a broker down, a transaction that stays open) is
     * @throws IllegalStateException when the read makes no progress for {@code timeout}
     */
    int load(
            Consumer<String, byte[]> jobsConsumer,
            Consumer<String, byte[]> jobsEnds,
            String jobsTopic,
            Map<Integer, Long> partitions,
            Map<Integer, Long> logStarts,
            RecordCodec<BatchJob> codec,
            Duration timeout) {
        retentionPassed.clear();
        List<TopicPartition> tps = ReadToEnd.partitions(jobsConsumer, jobsTopic, timeout);
        if (tps.isEmpty()) {
            throw new IllegalStateException(
                    "topic " + jobsTopic + " does not exist; create the topics first" + " (genai-batch topics create)");
        }
        jobsConsumer.assign(tps);
        jobsConsumer.seekToBeginning(tps);
        // The ends counting transactions still open (read_uncommitted), not the last stable offsets: a transaction
        // left open by a killed producer hides every record committed after it began, e.g. a batch's job record,
        // and a batch taken for unsubmitted would be created again. The read_committed consumer reaches these ends
        // once such transactions are over (committed, aborted, or timed out).
        Map<TopicPartition, Long> end = jobsEnds.endOffsets(tps, timeout);
        long started = System.nanoTime();
        ReadToEnd.Result read = ReadToEnd.read(
                jobsConsumer,
                end,
                ReadToEnd.Limit.whileMoving(timeout),
                r -> note(r, partitions, logStarts, codec, jobsTopic));
        if (!read.reached()) {
            throw new IllegalStateException("reading " + jobsTopic + " made no progress for " + timeout + " ("
                    + read.records() + " records read, still behind on "
                    + read.behind().keySet() + "); without it"
                    + " the submitter cannot tell which batches already have a job. Check the brokers and that no"
                    + " producer holds a transaction open.");
        }
        jobsConsumer.unsubscribe();
        log.info(
                "Read {} records of {} in {} ms", read.records(), jobsTopic, (System.nanoTime() - started) / 1_000_000);
        return byBatch.size();
    }

    /** One record of genai.jobs: what it says about its batch, if the batch is one of {@code partitions}. */
    private void note(
            ConsumerRecord<String, byte[]> r,
            Map<Integer, Long> partitions,
            Map<Integer, Long> logStarts,
            RecordCodec<BatchJob> codec,
            String jobsTopic) {
        if (r.value() == null) {
            byBatch.remove(r.key());
            retentionPassed.remove(r.key());
            return;
        }
        BatchJob job;
        try {
            job = codec.decode(r.value());
        } catch (RecordDecodingException e) {
            log.error(
                    "Skipping unreadable {} record at {}-{}@{}: {}",
                    jobsTopic,
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    e.getMessage());
            retentionPassed.remove(r.key()); // what the batch's latest record says is unknown: keep it
            return;
        }
        Long committed = partitions.get(job.getItemsPartition());
        noteIfRetentionPassed(r.key(), job, committed != null, logStarts);
        if (committed == null || job.getLastItemOffset() < committed) {
            return;
        }
        boolean bareIntent = job.getState() == JobState.SUBMITTING && job.getJobName() == null;
        byBatch.put(job.getBatchId(), new Entry(job.getItemsPartition(), bareIntent ? job : null));
    }

    /** Keeps the batch as a tombstone candidate while its latest record says it is finished and retention-passed. */
    private void noteIfRetentionPassed(String key, BatchJob job, boolean owned, Map<Integer, Long> logStarts) {
        Long logStart = logStarts.get(job.getItemsPartition());
        boolean canGo = owned
                && key != null
                && job.getState() == JobState.PUBLISHED
                && logStart != null
                && job.getLastItemOffset() < logStart;
        if (!canGo) {
            retentionPassed.remove(key);
        } else if (retentionPassed.size() < MAX_TOMBSTONES_PER_READ) {
            retentionPassed.put(key, job.getItemsPartition());
        }
    }
}
