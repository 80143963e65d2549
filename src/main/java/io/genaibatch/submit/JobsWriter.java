package io.genaibatch.submit;

import io.genaibatch.batch.Lineage;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchJob;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The submitter's only way to write: one transactional producer, each transaction carrying job records of
 * genai.jobs and the genai.batches offsets they allow. The offsets go with the consumer's group metadata, so an
 * instance that lost its partitions in a rebalance is fenced instead of committing over the new owner.
 * Consumer thread only (docs/SUBMITTER.md, "Offsets").
 */
final class JobsWriter {
    private static final Logger log = LoggerFactory.getLogger(JobsWriter.class);
    private static final int COMMIT_TIMEOUT_RETRIES = 5;

    private final Producer<String, byte[]> producer;
    private final Consumer<String, byte[]> consumer;
    private final String jobsTopic;
    private final ValueFormat valueFormat;
    private final SubmitCounters counters;
    private final RecordCodec<BatchJob> jobCodec = RecordCodec.batchJob();

    /**
     * @param producer transactional, not yet initialised
     * @param consumer the genai.batches consumer whose group the offsets are committed for
     */
    JobsWriter(
            Producer<String, byte[]> producer,
            Consumer<String, byte[]> consumer,
            String jobsTopic,
            ValueFormat valueFormat,
            SubmitCounters counters) {
        this.producer = producer;
        this.consumer = consumer;
        this.jobsTopic = jobsTopic;
        this.valueFormat = valueFormat;
        this.counters = counters;
    }

    /**
     * One genai.jobs record: the value (null for a tombstone), and the lineage of its batch, carried as the {@value Lineage#HEADER}
     * header on every record of a child batch (none for a batch the accumulator made, written as before).
     */
    record Entry(String batchId, BatchJob job, Lineage lineage) {
        Entry(BatchJob job, Lineage lineage) {
            this(job.getBatchId(), job, lineage);
        }

        /** Deletes the batch's records from the compacted topic (the value is null). */
        static Entry tombstone(String batchId) {
            return new Entry(batchId, null, null);
        }
    }

    /** Fences an earlier run with the same transactional.id and aborts what it left open. */
    void init() {
        producer.initTransactions();
    }

    /**
     * Writes the records, in order, and the offsets in one transaction.
     *
     * @return null when committed; the cause when the transaction was aborted (nothing of it is visible, and the
     *         producer can go on)
     * @throws KafkaException when the producer cannot go on: fenced, refused by the cluster, or its abort failed
     */
    KafkaException write(List<Entry> jobs, Map<TopicPartition, OffsetAndMetadata> offsets) {
        try {
            producer.beginTransaction();
            for (Entry e : jobs) {
                RecordHeaders headers = new RecordHeaders();
                if (e.lineage() != null) {
                    e.lineage().addTo(headers);
                }
                producer.send(new ProducerRecord<>(
                        jobsTopic,
                        null,
                        e.batchId(),
                        e.job() == null ? null : jobCodec.encode(e.job(), valueFormat),
                        headers));
            }
            if (!offsets.isEmpty()) {
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            }
            commitWithRetries();
            counters.committed();
            return null;
        } catch (ProducerFencedException
                | InvalidProducerEpochException
                | OutOfOrderSequenceException
                | AuthorizationException
                | UnsupportedVersionException e) {
            // The producer cannot go on (another instance has its transactional.id, or the cluster refuses it).
            throw e;
        } catch (KafkaException e) {
            try {
                producer.abortTransaction();
            } catch (KafkaException abortFailed) {
                e.addSuppressed(abortFailed);
                throw e;
            }
            return e;
        }
    }

    /** A commit that timed out may still complete: the producer allows retrying it, and nothing else. */
    private void commitWithRetries() {
        for (int attempt = 1; ; attempt++) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                if (attempt >= COMMIT_TIMEOUT_RETRIES) {
                    throw new IllegalStateException(
                            "commit on " + jobsTopic + " timed out " + attempt
                                    + " times; stopping (a restart resumes from the committed state)",
                            e);
                }
                log.warn("Commit on {} timed out (attempt {}), retrying", jobsTopic, attempt);
            }
        }
    }

    void close(Duration timeout) {
        producer.close(timeout);
    }
}
