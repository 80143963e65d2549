package io.genaibatch.submit;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * What the submitter holds for one genai.batches partition it owns: the open batches being spooled, the
 * sealed batches in flight (not yet recorded in genai.jobs), and from these the offset it may commit.
 *
 * <p>The offsets rule: the committed offset never passes the first item of a batch that has no job record
 * yet (the seal of a range child, whose items are read from their range again anyway). After a crash,
 * consumption restarts there, so every such batch is read again and its spool rebuilt; batches already
 * recorded are recognised and skipped. Owned by the consumer thread.
 */
final class PartitionBatches {
    /** An open batch: items seen, seal not yet. */
    static final class Open {
        final long firstOffset;
        final Spool.Writer writer;

        Open(long firstOffset, Spool.Writer writer) {
            this.firstOffset = firstOffset;
            this.writer = writer;
        }
    }

    /** A sealed batch not yet recorded; {@code submission} is null for one recorded FAILED at once. */
    record InFlight(SealedBatch batch, Submission submission) {}

    private final TopicPartition partition;
    private final Map<String, Open> open = new HashMap<>();
    private final Map<String, InFlight> inFlight = new LinkedHashMap<>();
    private long nextOffset = -1;
    private long committed;
    private boolean revoking;
    private long lostBefore = -1;

    /** @param committed the group's committed offset when the partition was assigned, -1 when none */
    PartitionBatches(TopicPartition partition, long committed) {
        this.partition = partition;
        this.committed = committed;
    }

    TopicPartition partition() {
        return partition;
    }

    Open open(String batchId) {
        return open.get(batchId);
    }

    void addOpen(String batchId, Open batch) {
        open.put(batchId, batch);
    }

    Open removeOpen(String batchId) {
        return open.remove(batchId);
    }

    void addInFlight(SealedBatch batch, Submission submission) {
        inFlight.put(batch.batchId(), new InFlight(batch, submission));
    }

    InFlight inFlight(String batchId) {
        return inFlight.get(batchId);
    }

    InFlight removeInFlight(String batchId) {
        return inFlight.remove(batchId);
    }

    Map<String, InFlight> inFlightBatches() {
        return inFlight;
    }

    /** The record at {@code offset} is handled. */
    void consumed(long offset) {
        nextOffset = Math.max(nextOffset, offset + 1);
    }

    /**
     * The offset that may be committed once the batches in {@code recording} are recorded: the lowest offset from
     * which a batch still open or in flight is read again ({@link SealedBatch#rereadFrom()}: its first item, or
     * the seal of a range child), else the next record to read; -1 when nothing was read yet.
     */
    long committable(Set<String> recording) {
        if (nextOffset < 0) {
            return -1;
        }
        long c = nextOffset;
        for (Open o : open.values()) {
            c = Math.min(c, o.firstOffset);
        }
        for (InFlight f : inFlight.values()) {
            if (!recording.contains(f.batch().batchId())) {
                c = Math.min(c, f.batch().rereadFrom());
            }
        }
        return c;
    }

    /**
     * This partition's offset in the next transaction, -1 for none: the progress when there is some, and with an
     * intent or a job record of this partition ({@code fence}) the committed offset again when there is none. Offsets go with the consumer's group
     * metadata, so a transaction carrying them is refused to an instance whose group generation is over: an
     * instance paused past its session (a long GC, a stopped VM) cannot commit an intent and then create a job
     * for a partition that meanwhile went to another instance.
     */
    long toCommit(Set<String> recording, boolean fence) {
        long c = committable(recording);
        if (c > committed) {
            return c;
        }
        return fence && committed >= 0 ? committed : -1;
    }

    long committed() {
        return committed;
    }

    void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    /** Records before this offset were deleted by retention before they were read; -1 when none were. */
    long lostBefore() {
        return lostBefore;
    }

    void lostBefore(long offset) {
        lostBefore = Math.max(lostBefore, offset);
    }

    boolean revoking() {
        return revoking;
    }

    void revoking(boolean value) {
        revoking = value;
    }

    /** Closes the spool writers of open batches (the partition is given up; its files are caches). */
    void closeOpen() {
        for (Open o : open.values()) {
            try {
                o.writer.close();
            } catch (RuntimeException e) {
                // Only a cache file: the partition's next owner rebuilds it.
            }
        }
        open.clear();
    }
}
