package io.genaibatch.poll;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills a batch's {@link ItemIndex} from genai.batches: partition {@code itemsPartition}, offsets
 * {@code firstItemOffset..lastItemOffset}, keeping the items of this batch (other batches' records interleave).
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
     * Loads the job's items into the (cleared) index and marks it complete.
     *
     * @param heartbeat called about once a second, to keep the caller's consumer group membership alive
     * @return the number of items indexed
     */
    long load(BatchJob job, ItemIndex index, Runnable heartbeat) {
        TopicPartition tp = new TopicPartition(topic, job.getItemsPartition());
        long first = job.getFirstItemOffset();
        long last = job.getLastItemOffset();
        index.clear();
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
                    log.error("batch {} job {}: items from offset {} of {} were deleted by retention (the log starts at "
                            + "{}); the requests among them cannot be answered. Keep topics.retention longer than the "
                            + "longest job.", job.getBatchId(), job.getJobName(), first, tp, start);
                    consumer.seek(tp, Math.min(start, last + 1));
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (r.offset() > last) {
                        break;
                    }
                    if (!add(job, index, r)) {
                        skipped++;
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
        long n = index.completeItems();
        if (n != job.getItemCount()) {
            log.error("batch {} job {}: found {} items in {} offsets {}..{}, the job says {}; only the items found can "
                    + "be answered", job.getBatchId(), job.getJobName(), n, tp, first, last, job.getItemCount());
        }
        if (skipped > 0) {
            log.warn("batch {} job {}: skipped {} unreadable records in {} offsets {}..{}", job.getBatchId(),
                    job.getJobName(), skipped, tp, first, last);
        }
        return n;
    }

    private String noProgress(BatchJob job, TopicPartition tp, long first, long last, long position) {
        String end;
        try {
            // read_committed: the last stable offset. At or below the position, a transaction open on the
            // partition is what holds the read back.
            end = "; its last stable offset is " + consumer.endOffsets(List.of(tp)).get(tp);
        } catch (RuntimeException e) {
            end = "";
        }
        return "batch " + job.getBatchId() + " job " + job.getJobName() + ": reading its items from " + tp
                + " offsets " + first + ".." + last + " made no progress for " + noProgressTimeout
                + " (poll.items-read-timeout): the consumer position stayed at " + position + end
                + ". A transaction left open on that partition holds read_committed readers back until it ends "
                + "(transaction.timeout.ms). Retried at the next check.";
    }

    private boolean add(BatchJob job, ItemIndex index, ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return true;
        }
        BatchRecord record;
        try {
            record = codec.decode(r.value());
        } catch (RecordDecodingException e) {
            log.warn("batch {}: unreadable record at {}-{}@{}: {}", job.getBatchId(), r.topic(), r.partition(),
                    r.offset(), e.getMessage());
            return false;
        }
        if (record.getItem() != null && job.getBatchId().equals(record.getBatchId())) {
            index.putItem(record.getItem());
        }
        return true;
    }

    static Map<String, Object> consumerProperties() {
        return Map.of("isolation.level", "read_committed", "enable.auto.commit", false,
                "auto.offset.reset", "none", "max.poll.records", 1000);
    }
}
