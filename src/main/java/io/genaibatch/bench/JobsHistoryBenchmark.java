package io.genaibatch.bench;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.ReadToEnd;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import io.genaibatch.submit.AssignmentRead;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The submitter's read of genai.jobs at assignment over a long history: {@code records} PUBLISHED job records (one
 * per batch, as the topic holds them before compaction removes anything) written in transactions of 10,000, as
 * the submitter and the poller write them; then, alternating after a warm-up, the submitter's read
 * ({@link AssignmentRead}: read_committed, to the ends counting open transactions, every record decoded) and a plain
 * consumer reading the same topic to its end (read_committed, values left as bytes). Prints each round, the medians
 * and their ratio. Nothing is tombstoned: every batch is taken as still on genai.batches.
 */
public final class JobsHistoryBenchmark {
    private static final int RECORDS_PER_TRANSACTION = 10_000;

    private final GenAiBatchConfig base;
    private final int records;
    private final int rounds;
    private final PrintWriter out;

    public JobsHistoryBenchmark(GenAiBatchConfig base, int records, int rounds, PrintWriter out) {
        this.base = base;
        this.records = records;
        this.rounds = rounds;
        this.out = out;
    }

    public record Result(double plainSeconds, double assignmentSeconds, double ratio) {}

    public Result run() throws Exception {
        String prefix = "bench-" + System.currentTimeMillis() + ".";
        Map<String, String> settings = new HashMap<>();
        settings.put(ConfigKeys.BOOTSTRAP_SERVERS.name(), base.get(ConfigKeys.BOOTSTRAP_SERVERS));
        for (String t : List.of("requests", "batches", "jobs", "responses", "window-config", "dlq")) {
            settings.put("topics." + t, prefix + t);
        }
        GenAiBatchConfig config = GenAiBatchConfig.of(settings);
        Topics topics = Topics.from(config);
        try (Admin admin = new KafkaClients(config).admin()) {
            new TopicAdmin(admin).createMissing(topics.specs()); // returns once every leader serves them
        }
        int batchPartitions = config.get(ConfigKeys.TOPIC_PARTITIONS);
        long bytes = write(config, topics.jobs(), batchPartitions);
        // Every batch of the history is behind the committed offsets and still on genai.batches (log start 0):
        // the read keeps nothing and finds nothing to tombstone, so only reading and decoding are measured.
        Map<Integer, Long> committed = new HashMap<>();
        Map<Integer, Long> logStarts = new HashMap<>();
        for (int p = 0; p < batchPartitions; p++) {
            committed.put(p, Long.MAX_VALUE);
            logStarts.put(p, 0L);
        }
        List<Double> plain = new ArrayList<>();
        List<Double> assignment = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
            double p = plainRead(config, topics.jobs());
            long start = System.nanoTime();
            AssignmentRead.Result r = AssignmentRead.read(config, committed, logStarts);
            double a = (System.nanoTime() - start) / 1e9;
            out.printf(
                    "%-8s plain consumer %6.2f s   assignment read %6.2f s (kept %d, to tombstone %d)   ratio %.2f%n",
                    round == 0 ? "warm-up" : "round " + round, p, a, r.kept(), r.retentionPassed(), a / p);
            out.flush();
            if (round > 0) {
                plain.add(p);
                assignment.add(a);
            }
        }
        double p = AccumulateBenchmark.median(plain);
        double a = AccumulateBenchmark.median(assignment);
        out.printf(
                "median   plain consumer %6.2f s   assignment read %6.2f s   ratio %.2f (%,d records, %,d MB)%n",
                p, a, a / p, records, bytes >> 20);
        out.printf(java.util.Locale.ROOT, "RESULT jobs-history: ratio %.2f%n", a / p);
        return new Result(p, a, a / p);
    }

    /** The history: one PUBLISHED record per batch, spread over genai.batches partitions; returns its value bytes. */
    private long write(GenAiBatchConfig config, String topic, int batchPartitions) {
        RecordCodec<BatchJob> codec = RecordCodec.batchJob();
        Map<String, Object> props = Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                "bench-jobs-history",
                ProducerConfig.LINGER_MS_CONFIG,
                5,
                ProducerConfig.BATCH_SIZE_CONFIG,
                256 * 1024);
        long bytes = 0;
        long start = System.nanoTime();
        Instant now = Instant.now();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                new KafkaClients(config).producer(props), new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            for (int i = 0; i < records; i++) {
                if (i % RECORDS_PER_TRANSACTION == 0) {
                    if (i > 0) {
                        producer.commitTransaction();
                    }
                    producer.beginTransaction();
                }
                String batchId = String.format("gemini-2.5-flash|GENERATE|%d-%019d-%08x", i % 4, i, i * 2654435761L);
                long seal = (long) (i / batchPartitions) * 1_001 + 1_000;
                BatchJob job = BatchJob.newBuilder()
                        .setBatchId(batchId)
                        .setGroupKey("gemini-2.5-flash|GENERATE|" + i % 4)
                        .setModel("gemini-2.5-flash")
                        .setKind(RequestKind.GENERATE)
                        .setAttempt(1)
                        .setItemCount(1_000)
                        .setItemBytes(4_000_000L)
                        .setItemsPartition(i % batchPartitions)
                        .setFirstItemOffset(seal - 1_000)
                        .setLastItemOffset(seal)
                        .setInputMode(InputMode.FILE)
                        .setUploadedFile("files/bench-" + i)
                        .setJobName("batches/bench-" + i)
                        .setState(JobState.PUBLISHED)
                        .setPublishedThrough(1_000)
                        .setCreatedAt(now)
                        .setUpdatedAt(now)
                        .setSubmittedAt(now)
                        .setEndedAt(now)
                        .build();
                byte[] value = codec.encode(job, ValueFormat.AVRO);
                bytes += value.length;
                producer.send(new ProducerRecord<>(topic, batchId, value));
            }
            producer.commitTransaction();
        }
        out.printf(
                "history  %,d job records (%,d bytes of values) written in %.1f s%n",
                records, bytes, (System.nanoTime() - start) / 1e9);
        return bytes;
    }

    /** Seconds for a plain consumer to read the topic from its start to its end, values undecoded. */
    private static double plainRead(GenAiBatchConfig config, String topic) {
        long start = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                new KafkaClients(config).consumer(Map.of()),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            ReadToEnd.Result read =
                    ReadToEnd.read(consumer, end, ReadToEnd.Limit.whileMoving(Duration.ofSeconds(30)), r -> {});
            if (!read.reached() || read.records() == 0) {
                throw new IllegalStateException("could not read " + topic + " to its end (" + read.records()
                        + " records read, " + read.firstBehind() + ")");
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
