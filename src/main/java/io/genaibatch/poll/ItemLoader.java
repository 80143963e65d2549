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
 */
final class ItemLoader {
    private static final Logger log = LoggerFactory.getLogger(ItemLoader.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final Duration timeout;
    private final Clock clock;
    private final RecordCodec<BatchRecord> codec = RecordCodec.batchRecord();

    /**
     * @param consumer a read_committed consumer without a group, with {@code auto.offset.reset=none} (so that a
     *                 range deleted by retention is noticed, not skipped silently); the caller owns it
     */
    ItemLoader(Consumer<byte[], byte[]> consumer, String topic, Duration timeout, Clock clock) {
        this.consumer = consumer;
        this.topic = topic;
        this.timeout = timeout;
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
        Instant deadline = clock.instant().plus(timeout);
        Instant nextBeat = clock.instant().plusSeconds(1);
        long skipped = 0;
        try {
            while (consumer.position(tp) <= last) {
                if (clock.instant().isAfter(deadline)) {
                    throw new IllegalStateException("batch " + job.getBatchId() + " job " + job.getJobName()
                            + ": reading its items from " + tp + " offsets " + first + ".." + last + " did not finish in "
                            + timeout + " (stopped at " + consumer.position(tp) + "); an open transaction on that "
                            + "partition holds read_committed readers back. Retried at the next check.");
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
