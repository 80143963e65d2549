package io.genaibatch.submit;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.records.BatchJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the submitter's partition states in step with the group's assignment. Runs inside the consumer's
 * {@code poll} or {@code close}, on the consumer thread. An assigned partition starts with an empty spool folder and
 * what genai.jobs says about its batches (which also tombstones the finished history, {@link KnownJobs}); a revoked
 * one first stops what has not reached create, waits for creates under way and commits their records through the
 * {@link JobsCommitter}; a lost one is dropped at once.
 */
final class PartitionAssignment implements ConsumerRebalanceListener {
    private static final Logger log = LoggerFactory.getLogger(PartitionAssignment.class);

    private final SubmitSettings settings;
    private final Consumer<String, byte[]> consumer;
    private final Consumer<String, byte[]> jobsConsumer;
    private final Consumer<String, byte[]> jobsEnds;
    private final Map<TopicPartition, PartitionBatches> partitions;
    private final KnownJobs known;
    private final Spool spool;
    private final JobsCommitter committer;
    private final BooleanSupplier pausedForBackpressure;
    private final BooleanSupplier crashed;
    private final RecordCodec<BatchJob> jobCodec = RecordCodec.batchJob();
    private volatile int owned;

    /**
     * @param consumer              the genai.batches consumer this listens to (committed offsets, log starts, pause)
     * @param jobsConsumer          read_committed, no group: reads genai.jobs at assignment
     * @param jobsEnds              read_uncommitted, no group: the ends of genai.jobs counting open transactions
     * @param pausedForBackpressure true while the loop holds every partition paused: new ones start paused too
     * @param crashed               true once the loop stopped on a fatal error: a revocation then commits nothing
     */
    PartitionAssignment(
            SubmitSettings settings,
            Consumer<String, byte[]> consumer,
            Consumer<String, byte[]> jobsConsumer,
            Consumer<String, byte[]> jobsEnds,
            Map<TopicPartition, PartitionBatches> partitions,
            KnownJobs known,
            Spool spool,
            JobsCommitter committer,
            BooleanSupplier pausedForBackpressure,
            BooleanSupplier crashed) {
        this.settings = settings;
        this.consumer = consumer;
        this.jobsConsumer = jobsConsumer;
        this.jobsEnds = jobsEnds;
        this.partitions = partitions;
        this.known = known;
        this.spool = spool;
        this.committer = committer;
        this.pausedForBackpressure = pausedForBackpressure;
        this.crashed = crashed;
    }

    /** How many genai.batches partitions this instance owns now (any thread). */
    int owned() {
        return owned;
    }

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
        known.load(
                jobsConsumer,
                jobsEnds,
                settings.jobsTopic(),
                byPartition,
                logStarts,
                jobCodec,
                settings.jobsReadTimeout());
        // Also inside this callback: submit.tombstone-budget counts against max.poll.interval.ms (checked at load).
        committer.tombstone(known.retentionPassed(), settings.tombstoneBudget());
        known.retentionPassed().clear();
        if (pausedForBackpressure.getAsBoolean()) {
            consumer.pause(assigned);
        }
        owned = partitions.size();
        log.info(
                "Assigned {} (committed offsets {}); {} batches of them already in {}",
                assigned,
                byPartition,
                known.size(),
                settings.jobsTopic());
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
        if (crashed.getAsBoolean() || revoked.isEmpty()) {
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
            committer.service(Duration.ofMillis(50), false);
        }
        committer.service(Duration.ZERO, true);
        for (Submission s : creating) {
            if (s.isCreating()) {
                log.warn(
                        "Batch {}: create still unanswered after {}; giving the partition up anyway. The next owner"
                                + " looks the job up by displayName before creating.",
                        s.batch().batchId(),
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
