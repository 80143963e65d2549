package io.genaibatch.jobs;

import io.genaibatch.batch.Lineage;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.ReadToEnd;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.JobState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads genai.jobs (or any topic) read_committed, without a consumer group, from the beginning to the end offsets
 * taken when the read starts: a snapshot that a command can show whole. Shared by {@code jobs list}, {@code show}
 * and {@code cancel}, so that all three see a batch the same way.
 */
public final class JobsReader {
    /** Terminal at the API: nothing left to cancel. */
    public static final Set<JobState> FINISHED =
            EnumSet.of(JobState.SUCCEEDED, JobState.FAILED, JobState.EXPIRED, JobState.CANCELLED, JobState.PUBLISHED);

    private JobsReader() {}

    /**
     * One record of genai.jobs as read.
     *
     * @param job     the decoded value; null for a tombstone (the batch was deleted from the topic)
     * @param lineage the {@value Lineage#HEADER} header; empty on a root batch (or a record from before lineage)
     */
    public record JobRecord(
            String batchId, int partition, long offset, Instant timestamp, BatchJob job, Optional<Lineage> lineage) {}

    /** Every record of one batch still on the topic, oldest first. Compaction may have removed older ones. */
    public record Batch(String batchId, List<JobRecord> records) {
        public Batch {
            records = List.copyOf(records);
        }

        public JobRecord latestRecord() {
            return records.get(records.size() - 1);
        }

        /** The batch's current job record; null when its latest record is a tombstone. */
        public BatchJob job() {
            return latestRecord().job();
        }

        public boolean deleted() {
            return job() == null;
        }

        /** The latest lineage header of the batch; empty for a root batch (or a record from before lineage). */
        public Optional<Lineage> lineage() {
            for (int i = records.size() - 1; i >= 0; i--) {
                if (records.get(i).lineage().isPresent()) {
                    return records.get(i).lineage();
                }
            }
            return Optional.empty();
        }

        /** The batch the accumulator made at the top of this one's lineage; null when a child does not say. */
        public String rootBatchId() {
            return lineage().map(Lineage::rootBatchId).orElse(parentBatchId() == null ? batchId : null);
        }

        /** The lineage header's attempt (children), else the record's own field. */
        public int attempt() {
            return lineage().map(Lineage::attempt).orElse(job() == null ? 1 : job().getAttempt());
        }

        public String parentBatchId() {
            String fromHeader = lineage().map(Lineage::parentBatchId).orElse(null);
            return fromHeader != null ? fromHeader : job() == null ? null : job().getParentBatchId();
        }

        /** What the poller made of this batch (RESUBMITTED, SPLIT, REBATCHED); null when nothing was decided. */
        public String decision() {
            return lineage().map(Lineage::decision).orElse(null);
        }

        public List<String> children() {
            return lineage().map(Lineage::children).orElse(List.of());
        }

        public boolean isRoot() {
            return parentBatchId() == null;
        }

        /**
         * The last terminal state the API gave the job (SUCCEEDED, FAILED, EXPIRED, CANCELLED) among the records
         * still on the topic; empty when compaction left only the PUBLISHED one, or the job is not finished.
         */
        public Optional<JobState> lastApiOutcome() {
            for (int i = records.size() - 1; i >= 0; i--) {
                BatchJob j = records.get(i).job();
                if (j != null && FINISHED.contains(j.getState()) && j.getState() != JobState.PUBLISHED) {
                    return Optional.of(j.getState());
                }
            }
            return Optional.empty();
        }
    }

    /**
     * What a read found.
     *
     * @param batches every batch by id, in the order of their first record's timestamp
     * @param skipped one line per record that could not be read (partition, offset, why), for stderr
     */
    public record Snapshot(String topic, Map<String, Batch> batches, List<String> skipped) {
        public Optional<Batch> batch(String batchId) {
            return Optional.ofNullable(batches.get(batchId));
        }

        /** Batches whose latest record is a job (not a tombstone). */
        public List<Batch> live() {
            return batches.values().stream().filter(b -> !b.deleted()).toList();
        }
    }

    /** A read that cannot give a whole snapshot: the topic is missing, or its end was not reached in time. */
    public static final class ReadFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        public ReadFailure(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    /** Every record of genai.jobs up to its end as it is now, by batch. */
    public static Snapshot readJobs(KafkaClients clients, String topic, Duration timeout) {
        RecordCodec<BatchJob> codec = RecordCodec.batchJob();
        Map<String, List<JobRecord>> byBatch = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        readTopic(clients, topic, timeout, r -> {
            String where = topic + "-" + r.partition() + "@" + r.offset();
            BatchJob job = null;
            if (r.value() != null) {
                try {
                    job = codec.decode(r.value());
                } catch (RecordDecodingException e) {
                    skipped.add(where + ": skipped: " + e.getMessage());
                    return;
                }
            }
            String key = r.key() != null
                    ? new String(r.key(), StandardCharsets.UTF_8)
                    : job != null ? job.getBatchId() : null;
            if (key == null) {
                skipped.add(where + ": skipped: a tombstone without a key");
                return;
            }
            Optional<Lineage> lineage;
            try {
                lineage = Lineage.from(r.headers());
            } catch (IllegalArgumentException e) {
                // The record is still the job's state: keep it, without a lineage, and say why.
                skipped.add(where + ": lineage ignored: " + e.getMessage());
                lineage = Optional.empty();
            }
            byBatch.computeIfAbsent(key, k -> new ArrayList<>())
                    .add(new JobRecord(
                            key, r.partition(), r.offset(), Instant.ofEpochMilli(r.timestamp()), job, lineage));
        });
        Map<String, Batch> batches = byBatch.entrySet().stream()
                // One key lives in one partition, so its records are already in offset order.
                .map(e -> new Batch(e.getKey(), e.getValue()))
                .sorted(Comparator.comparing((Batch b) -> b.records().get(0).timestamp())
                        .thenComparing(Batch::batchId))
                .collect(Collectors.toMap(Batch::batchId, b -> b, (a, b) -> a, LinkedHashMap::new));
        return new Snapshot(topic, batches, List.copyOf(skipped));
    }

    /**
     * Hands every committed record of {@code topic}, from the beginning to the end offsets taken now, to
     * {@code sink}.
     *
     * @throws ReadFailure exit 4 when the topic does not exist; exit 1 when its end is not reached within
     *                     {@code timeout} (a half-read topic would show wrong states, so nothing is returned)
     */
    public static void readTopic(
            KafkaClients clients, String topic, Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        readTopic(clients, topic, timeout, null, sink);
    }

    /**
     * As {@link #readTopic(KafkaClients, String, Duration, Consumer)}, from the first record of each partition
     * whose timestamp is at or after {@code since} (null: from the beginning).
     */
    public static void readTopic(
            KafkaClients clients,
            String topic,
            Duration timeout,
            Instant since,
            Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                clients.consumer(Map.of(
                        // Looking must not create the topic it looks for.
                        ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
                        false,
                        ConsumerConfig.CLIENT_ID_CONFIG,
                        "genai-batch-jobs")),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.listTopics(remaining(deadline)).get(topic);
            if (infos == null || infos.isEmpty()) {
                throw new ReadFailure(
                        "topic " + topic + " does not exist; create the topics with"
                                + " `genai-batch topics create` (same --bootstrap-servers and --config)",
                        4);
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            if (since != null) {
                Map<TopicPartition, Long> at = new HashMap<>();
                partitions.forEach(tp -> at.put(tp, since.toEpochMilli()));
                // A partition with nothing that recent is read from its end: nothing of it counts.
                consumer.offsetsForTimes(at, remaining(deadline)).forEach((tp, found) -> {
                    if (found != null) {
                        consumer.seek(tp, found.offset());
                    } else {
                        consumer.seekToEnd(List.of(tp));
                    }
                });
            }
            // read_committed: the last stable offset, so an open transaction's records are not waited for.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, remaining(deadline));
            ReadToEnd.Result read = ReadToEnd.read(consumer, end, ReadToEnd.Limit.until(deadline), r -> {
                // Records past the end taken at the start belong to a later snapshot.
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    sink.accept(r);
                }
            });
            if (!read.reached()) {
                throw new ReadFailure(
                        "could not read " + topic + " to its end within " + timeout.toSeconds() + " s ("
                                + read.firstBehind() + "); is the broker slow? raise --read-timeout",
                        1);
            }
        }
    }

    /** One deadline for the whole read: metadata, end offsets and records share the timeout. */
    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(Duration.ofMillis(1).toNanos(), deadline - System.nanoTime()));
    }
}
