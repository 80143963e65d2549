package io.genaibatch.submit;

import io.genaibatch.batch.JsonlLine;
import io.genaibatch.batch.Lineage;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.records.BatchRecord;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spools the items of a range child (a resubmission or a split half): no record before its seal carries its id;
 * its items are those of batch {@code itemsBatchId} at offsets {@code from..to} of one genai.batches partition
 * (its lineage's {@link Lineage.ItemsRange}), where other batches' records interleave. Runs on a worker: a range
 * can be 2 GB.
 *
 * <p>Each read has its own consumer (read_committed, no group, {@code auto.offset.reset=none} so that a range
 * deleted by retention is noticed instead of skipped), closed after. The read stops when the thread is
 * interrupted (the submission is cancelled) and when its position has not moved for the no-progress timeout:
 * a stuck read must fail its try, to be retried later, rather than hold a worker forever. The timeout is on
 * progress, not on the whole read, which may rightly take minutes.
 */
final class RangeSpooler {
    private static final Logger log = LoggerFactory.getLogger(RangeSpooler.class);
    private static final Duration POLL = Duration.ofMillis(200);

    /**
     * What was read from the range.
     *
     * @param lost why the range could not be read whole (its start was deleted by retention); null when it was
     */
    record Spooled(int count, long bytes, String lost) {}

    private final Supplier<Consumer<String, byte[]>> consumers;
    private final String topic;
    private final Duration noProgressTimeout;
    private final RecordCodec<BatchRecord> codec = RecordCodec.batchRecord();

    /**
     * @param consumers makes a consumer as described above for each read; the read closes it
     */
    RangeSpooler(Supplier<Consumer<String, byte[]>> consumers, String topic, Duration noProgressTimeout) {
        this.consumers = consumers;
        this.topic = topic;
        this.noProgressTimeout = noProgressTimeout;
    }

    /**
     * Writes {@code JsonlLine.bytes(item)} of each item in the range, in offset order, into the batch's spool file
     * (truncated first). The caller checks the count and bytes against the seal.
     *
     * @throws InterruptedException when interrupted; the partial spool file is deleted
     * @throws TimeoutException     when the position did not move for the no-progress timeout (the file is deleted)
     */
    Spooled spool(SealedBatch batch) throws InterruptedException {
        return spool(batch, batch.lineage().items());
    }

    /** As {@link #spool(SealedBatch)}, for any range of items of one batch (e.g. a batch's own, to rebuild its spool). */
    Spooled spool(SealedBatch batch, Lineage.ItemsRange range) throws InterruptedException {
        TopicPartition tp = new TopicPartition(topic, range.partition());
        long from = range.fromOffset();
        long to = range.toOffset();
        Spool.Writer out = null;
        boolean complete = false;
        Consumer<String, byte[]> consumer = consumers.get();
        try {
            out = Spool.open(batch.spool(), batch.batchId());
            consumer.assign(List.of(tp));
            consumer.seek(tp, from);
            long position = from;
            long movedAt = System.nanoTime();
            int skipped = 0;
            String lost = null;
            while (position <= to) {
                if (System.nanoTime() - movedAt > noProgressTimeout.toNanos()) {
                    throw new TimeoutException(noProgress(consumer, batch, tp, range, position));
                }
                List<ConsumerRecord<String, byte[]>> records;
                try {
                    records = consumer.poll(POLL).records(tp);
                } catch (OffsetOutOfRangeException e) {
                    lost = lost(consumer, batch, tp, range);
                    break;
                }
                for (ConsumerRecord<String, byte[]> r : records) {
                    if (r.offset() > to) {
                        break;
                    }
                    if (!append(range, r, out)) {
                        skipped++;
                    }
                }
                long now = consumer.position(tp, POLL.multipliedBy(10));
                if (now != position) {
                    position = now;
                    movedAt = System.nanoTime();
                }
            }
            out.close();
            complete = true;
            if (skipped > 0) {
                log.error(
                        "Batch {}: skipped {} unreadable records in {} offsets {}..{} while reading the items of {}",
                        batch.batchId(),
                        skipped,
                        tp,
                        from,
                        to,
                        range.batchId());
            }
            log.info(
                    "Batch {}: read {} items / {} bytes of batch {} from {} offsets {}..{}",
                    batch.batchId(),
                    out.lines(),
                    out.bytes(),
                    range.batchId(),
                    tp,
                    from,
                    to);
            return new Spooled(out.lines(), out.bytes(), lost);
        } catch (InterruptException e) {
            // Kafka's unchecked form: the submission was cancelled (partition revoked, role stopping).
            Thread.interrupted();
            InterruptedException i = new InterruptedException(
                    "reading the items of batch " + batch.batchId() + " from " + tp + " was interrupted");
            i.initCause(e);
            throw i;
        } finally {
            if (!complete) {
                if (out != null) {
                    closeQuietly(out::close);
                }
                // A partial file is of no use to a later try (which truncates it) and may be large.
                Spool.deleteQuietly(batch.spool());
            }
            closeQuietly(() -> consumer.close(CloseOptions.timeout(Duration.ofSeconds(5))));
        }
    }

    /** False when the record could not be read. Keeps only the items of the range's batch. */
    private boolean append(Lineage.ItemsRange range, ConsumerRecord<String, byte[]> r, Spool.Writer out) {
        if (r.value() == null) {
            return true;
        }
        BatchRecord record;
        try {
            record = codec.decode(r.value());
        } catch (RecordDecodingException e) {
            log.warn(
                    "Unreadable record at {}-{}@{} in the items range of batch {}: {}",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    range.batchId(),
                    e.getMessage());
            return false;
        }
        if (record.getItem() != null && range.batchId().equals(record.getBatchId())) {
            out.append(JsonlLine.bytes(record.getItem()));
        }
        return true;
    }

    private String lost(
            Consumer<String, byte[]> consumer, SealedBatch batch, TopicPartition tp, Lineage.ItemsRange range) {
        String start;
        try {
            start = " (the log now starts at "
                    + consumer.beginningOffsets(List.of(tp), POLL.multipliedBy(25))
                            .get(tp) + ")";
        } catch (RuntimeException e) {
            start = "";
        }
        String lost = "items of batch " + range.batchId() + " in " + tp + " offsets " + range.fromOffset() + ".."
                + range.toOffset() + " are no longer on the topic" + start + ": deleted by retention";
        log.error(
                "Batch {}: {}. The batch cannot be submitted whole; keep the retention of {} longer than a batch's"
                        + " jobs and their retries take.",
                batch.batchId(),
                lost,
                topic);
        return lost;
    }

    private String noProgress(
            Consumer<String, byte[]> consumer,
            SealedBatch batch,
            TopicPartition tp,
            Lineage.ItemsRange range,
            long position) {
        String end;
        try {
            // read_committed: the last stable offset. At or below the position, an open transaction holds the read.
            end = "; its last stable offset is "
                    + consumer.endOffsets(List.of(tp), POLL.multipliedBy(25)).get(tp);
        } catch (RuntimeException e) {
            end = "";
        }
        return "batch " + batch.batchId() + ": reading the items of batch " + range.batchId() + " from " + tp
                + " offsets " + range.fromOffset() + ".." + range.toOffset() + " made no progress for "
                + noProgressTimeout + ": the position stayed at " + position + end;
    }

    private static void closeQuietly(Runnable close) {
        try {
            close.run();
        } catch (RuntimeException e) {
            log.warn("Error while closing after reading an items range: {}", e.toString());
        }
    }
}
