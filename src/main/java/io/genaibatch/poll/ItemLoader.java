package io.genaibatch.poll;

import io.genaibatch.batch.Lineage.ItemsRange;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills a batch's {@link ItemIndex} from genai.batches: the items of a range of offsets of one partition (the
 * batch's own items before its seal, or, for a child batch, a range of its parent's: see {@link JobItems}), keeping
 * the items of that batch (other batches' records interleave). Also finds where to split a batch in two.
 * Streams record by record into the index: nothing of the batch stays on the heap.
 *
 * <p>The timeout is on progress, not on the whole read: a 2 GB batch may take many minutes to read, and that is
 * fine as long as the consumer's position moves. What it catches is a read that is stuck, typically a transaction
 * left open on that partition, past which a read_committed consumer cannot go.
 */
final class ItemLoader {
    private static final Logger log = LoggerFactory.getLogger(ItemLoader.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    /** Longest time the position may stay put before the read is given up (poll.items-read-timeout). */
    private final Duration noProgressTimeout;

    private final Clock clock;
    private final RecordCodec<BatchRecord> codec = RecordCodec.batchRecord();

    /**
     * @param consumer a read_committed consumer without a group, with {@code auto.offset.reset=none} (so that a
     *                 range deleted by retention is noticed, not skipped silently); the caller owns it
     */
    ItemLoader(Consumer<byte[], byte[]> consumer, String topic, Duration noProgressTimeout, Clock clock) {
        this.consumer = consumer;
        this.topic = topic;
        this.noProgressTimeout = noProgressTimeout;
        this.clock = clock;
    }

    /**
     * Loads the job's items (those of {@code range}) into the (cleared) index and marks it complete.
     *
     * @param heartbeat    called about once a second, to keep the caller's consumer group membership alive
     * @param keepRequests keep each item's request JSON (a policy that re-batches copies items into a child batch)
     * @return the number of items indexed
     */
    long load(BatchJob job, ItemsRange range, ItemIndex index, Runnable heartbeat, boolean keepRequests) {
        index.clear();
        long skipped = scan(job, range, heartbeat, (offset, item) -> index.putItem(item, keepRequests));
        long n = index.completeItems(keepRequests);
        if (n != job.getItemCount()) {
            log.error(
                    "batch {} job {}: found {} items of batch {} in {}-{} offsets {}..{}, the job says {}; only the "
                            + "items found can be answered",
                    job.getBatchId(),
                    job.getJobName(),
                    n,
                    range.batchId(),
                    topic,
                    range.partition(),
                    range.fromOffset(),
                    range.toOffset(),
                    job.getItemCount());
        }
        if (skipped > 0) {
            log.warn(
                    "batch {} job {}: skipped {} unreadable records in {}-{} offsets {}..{}",
                    job.getBatchId(),
                    job.getJobName(),
                    skipped,
                    topic,
                    range.partition(),
                    range.fromOffset(),
                    range.toOffset());
        }
        return n;
    }

    /**
     * The two halves of the items of {@code range}, in offset order, for splitting the job in two; empty when
     * fewer than two items are found (nothing to split).
     */
    Optional<Halves> halves(BatchJob job, ItemsRange range, Runnable heartbeat) {
        Optional<Halves> h = halves(job, range, heartbeat, job.getItemCount());
        if (h.isPresent() && h.get().count() != job.getItemCount()) {
            // Items were lost (retention) or the record miscounts them: cut again at the middle of what is there.
            log.warn(
                    "batch {} job {}: found {} items of batch {}, the job says {}; splitting what was found",
                    job.getBatchId(),
                    job.getJobName(),
                    h.get().count(),
                    range.batchId(),
                    job.getItemCount());
            h = halves(job, range, heartbeat, h.get().count());
        }
        return h.filter(x -> x.count() >= 2);
    }

    private Optional<Halves> halves(BatchJob job, ItemsRange range, Runnable heartbeat, long expected) {
        long middle = expected / 2;
        class Cut {
            int firstCount;
            long firstBytes;
            long lastOfFirst = -1;
            int secondCount;
            long secondBytes;
            long firstOfSecond = -1;
        }
        Cut cut = new Cut();
        scan(job, range, heartbeat, (offset, item) -> {
            if (cut.firstCount < middle) {
                cut.firstCount++;
                cut.firstBytes += item.getRequestBytes();
                cut.lastOfFirst = offset;
            } else {
                if (cut.secondCount == 0) {
                    cut.firstOfSecond = offset;
                }
                cut.secondCount++;
                cut.secondBytes += item.getRequestBytes();
            }
        });
        long found = (long) cut.firstCount + cut.secondCount;
        if (found == 0) {
            return Optional.empty();
        }
        if (cut.firstCount == 0 || cut.secondCount == 0) {
            // Fewer items than expected: only the count is meaningful, for the caller to cut again.
            return Optional.of(new Halves(null, 0, 0, null, 0, 0, found));
        }
        ItemsRange first = new ItemsRange(range.batchId(), range.partition(), range.fromOffset(), cut.lastOfFirst);
        ItemsRange second = new ItemsRange(range.batchId(), range.partition(), cut.firstOfSecond, range.toOffset());
        return Optional.of(
                new Halves(first, cut.firstCount, cut.firstBytes, second, cut.secondCount, cut.secondBytes, found));
    }

    /** The two halves of a batch's items: each a range of offsets with its item count and bytes. */
    record Halves(
            ItemsRange first,
            int firstCount,
            long firstBytes,
            ItemsRange second,
            int secondCount,
            long secondBytes,
            long count) {}

    private interface ItemSink {
        void accept(long offset, BatchItem item);
    }

    /** Reads the items of {@code range}, in offset order; returns how many unreadable records were skipped. */
    private long scan(BatchJob job, ItemsRange range, Runnable heartbeat, ItemSink sink) {
        TopicPartition tp = new TopicPartition(topic, range.partition());
        long first = range.fromOffset();
        long last = range.toOffset();
        consumer.assign(List.of(tp));
        consumer.seek(tp, first);
        long position = consumer.position(tp);
        Instant movedAt = clock.instant();
        Instant nextBeat = clock.instant().plusSeconds(1);
        long skipped = 0;
        try {
            while (position <= last) {
                if (Duration.between(movedAt, clock.instant()).compareTo(noProgressTimeout) > 0) {
                    throw new IllegalStateException(noProgress(job, tp, first, last, position));
                }
                List<ConsumerRecord<byte[], byte[]>> records;
                try {
                    records = consumer.poll(POLL).records(tp);
                } catch (OffsetOutOfRangeException e) {
                    long start = consumer.beginningOffsets(List.of(tp)).get(tp);
                    log.error(
                            "batch {} job {}: items from offset {} of {} were deleted by retention (the log starts at "
                                    + "{}); the requests among them cannot be answered. Keep topics.retention longer than the "
                                    + "longest job.",
                            job.getBatchId(),
                            job.getJobName(),
                            first,
                            tp,
                            start);
                    consumer.seek(tp, Math.min(start, last + 1));
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (r.offset() > last) {
                        break;
                    }
                    BatchItem item;
                    try {
                        item = itemOf(range.batchId(), r);
                    } catch (RecordDecodingException e) {
                        log.warn(
                                "batch {}: unreadable record at {}-{}@{}: {}",
                                job.getBatchId(),
                                r.topic(),
                                r.partition(),
                                r.offset(),
                                e.getMessage());
                        skipped++;
                        continue;
                    }
                    if (item != null) {
                        sink.accept(r.offset(), item);
                    }
                }
                long now = consumer.position(tp);
                if (now != position) {
                    position = now;
                    movedAt = clock.instant();
                }
                if (clock.instant().isAfter(nextBeat)) {
                    heartbeat.run();
                    nextBeat = clock.instant().plusSeconds(1);
                }
            }
        } finally {
            consumer.assign(List.of());
        }
        return skipped;
    }

    private String noProgress(BatchJob job, TopicPartition tp, long first, long last, long position) {
        String end;
        try {
            // read_committed: the last stable offset. At or below the position, a transaction open on the
            // partition is what holds the read back.
            end = "; its last stable offset is "
                    + consumer.endOffsets(List.of(tp)).get(tp);
        } catch (RuntimeException e) {
            end = "";
        }
        return "batch " + job.getBatchId() + " job " + job.getJobName() + ": reading its items from " + tp
                + " offsets " + first + ".." + last + " made no progress for " + noProgressTimeout
                + " (poll.items-read-timeout): the consumer position stayed at " + position + end
                + ". A transaction left open on that partition holds read_committed readers back until it ends "
                + "(transaction.timeout.ms). Retried at the next check.";
    }

    /** The item the record carries when it is one of {@code batchId}; null for anything else. */
    private BatchItem itemOf(String batchId, ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return null;
        }
        BatchRecord record = codec.decode(r.value());
        return record.getItem() != null && batchId.equals(record.getBatchId()) ? record.getItem() : null;
    }

    static Map<String, Object> consumerProperties() {
        return Map.of("auto.offset.reset", "none", "max.poll.records", 1000);
    }
}
