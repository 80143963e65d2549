package io.genaibatch.submit;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.JsonlLine;
import io.genaibatch.batch.Lineage;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.GeminiSettings;
import io.genaibatch.gemini.RetrySettings;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.RequestKind;
import io.genaibatch.testkit.Await;
import io.genaibatch.testkit.BatchesWriter;
import io.genaibatch.testkit.SealedBatches;
import io.genaibatch.testkit.TestConfig;
import io.genaibatch.testkit.TopicReader;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What the submitter ITs share: an isolated configuration per test, genai.batches written as the accumulator
 * writes it (items, then the seal, in transactions, key = batchId), and genai.jobs read back.
 */
final class SubmitItSupport {
    static final Duration DEADLINE = Duration.ofSeconds(60);

    private SubmitItSupport() {}

    /** Topics under {@code prefix}, 3 partitions, fast retries and a short shutdown. */
    static GenAiBatchConfig config(KafkaCluster kafka, String prefix, Path spoolDir, Map<String, String> extra) {
        Map<String, String> o = TestConfig.settings(kafka.bootstrapServers(), prefix);
        o.put("topics.partitions", "3");
        o.put("submit.group-id", prefix + "submit");
        o.put("submit.spool-dir", spoolDir.toString());
        o.put("submit.retry.initial-backoff", "50ms");
        o.put("submit.retry.max-backoff", "500ms");
        o.put("submit.shutdown-timeout", "10s");
        // The emulator lists a job as soon as it exists (unless a test says otherwise): a short window keeps the
        // tests with injected 5xx on create quick.
        o.put("gemini.request-timeout", "2s");
        o.put("submit.create-lookup-window", "2s");
        o.putAll(extra);
        try {
            return TestConfig.withTopics(o);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A client of the emulator with a few quick retries, as a deployment would have (with shorter waits). */
    static BatchApi api(GeminiEmulator emulator) {
        return BatchApi.open(GeminiSettings.builder()
                .baseUrl(emulator.baseUrl())
                .apiKey("it-key")
                .connectTimeout(Duration.ofSeconds(5))
                .requestTimeout(Duration.ofSeconds(30))
                .retry(new RetrySettings(
                        3,
                        Duration.ofMillis(20),
                        Duration.ofMillis(200),
                        Duration.ofSeconds(3),
                        Duration.ofSeconds(20)))
                .build());
    }

    /** A batch as the accumulator would make it. */
    record TestBatch(String batchId, String model, RequestKind kind, List<BatchItem> items) {
        BatchRecord itemRecord(int i) {
            return new BatchRecord(batchId, groupKey(), items.get(i), null);
        }

        BatchRecord sealRecord() {
            return new BatchRecord(
                    batchId,
                    groupKey(),
                    null,
                    SealedBatches.seal(groupKey(), model, kind, items.size(), bytes(), Instant.now()));
        }

        String groupKey() {
            return model + "|" + kind + "|0";
        }

        long bytes() {
            return items.stream().mapToLong(BatchItem::getRequestBytes).sum();
        }

        /** The JSONL input the API must receive, byte for byte. */
        byte[] jsonl() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            items.forEach(i -> out.writeBytes(JsonlLine.bytes(i)));
            return out.toByteArray();
        }
    }

    static TestBatch generate(String batchId, int items, int promptChars) {
        return batch(batchId, "gemini-2.5-flash", RequestKind.GENERATE, items, promptChars);
    }

    static TestBatch embed(String batchId, int items) {
        return batch(batchId, "text-embedding-004", RequestKind.EMBED, items, 20);
    }

    private static TestBatch batch(String batchId, String model, RequestKind kind, int n, int promptChars) {
        List<BatchItem> items = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String requestId = batchId + "-r" + i;
            String text = ("prompt " + i + " of " + batchId + " ")
                    .repeat(Math.max(1, promptChars / 20 + 1))
                    .substring(0, Math.max(promptChars, 10));
            String request = kind == RequestKind.EMBED
                    ? "{\"content\":{\"parts\":[{\"text\":\"" + text + "\"}]}}"
                    : "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + text + "\"}]}]}";
            items.add(BatchItem.newBuilder()
                    .setRequestId(requestId)
                    .setKey(ByteBuffer.wrap(("key-" + requestId).getBytes(StandardCharsets.UTF_8)))
                    .setModel(model)
                    .setKind(kind)
                    .setRequest(request)
                    .setRequestBytes(JsonlLine.size(io.genaibatch.batch.LineKey.of("genai.requests", 0, i), request))
                    .setSourceTopic("genai.requests")
                    .setSourcePartition(0)
                    .setSourceOffset(i)
                    .setReceivedAt(Instant.now())
                    .build());
        }
        return new TestBatch(batchId, model, kind, items);
    }

    /** Where a batch landed on genai.batches. */
    record Placed(int partition, long firstItemOffset, long sealOffset) {}

    /**
     * genai.batches written as the accumulator writes it (through the kit's writer: transactional, key = batchId),
     * remembering where each batch landed.
     */
    static final class BatchesTopic implements AutoCloseable {
        private final BatchesWriter writer;
        private final Map<String, Long> firstOffsets = new HashMap<>();
        final Map<String, Placed> placed = new LinkedHashMap<>();
        /** The offset of each item written, per batch, in order. */
        final Map<String, List<Long>> itemOffsets = new HashMap<>();
        /** Where every record goes; null: by key, as the accumulator's producer does. */
        Integer partition;

        BatchesTopic(KafkaCluster kafka, String topic) {
            this.writer = new BatchesWriter(kafka.bootstrapServers(), topic);
        }

        /** One transaction: every item of every batch, round-robin (so batches interleave), then every seal. */
        void write(TestBatch... batches) {
            writeItems(List.of(batches), 0, Integer.MAX_VALUE);
            seal(batches);
        }

        /** One transaction: items [from, to) of each batch, round-robin. */
        void writeItems(Collection<TestBatch> batches, int from, int to) {
            int max = batches.stream().mapToInt(b -> b.items().size()).max().orElse(0);
            List<BatchRecord> items = new ArrayList<>();
            for (int i = from; i < Math.min(to, max); i++) {
                for (TestBatch b : batches) {
                    if (i < b.items().size()) {
                        items.add(b.itemRecord(i));
                    }
                }
            }
            List<RecordMetadata> landed = writer.write(partition, items);
            for (int i = 0; i < items.size(); i++) {
                String batchId = items.get(i).getBatchId();
                long offset = landed.get(i).offset();
                firstOffsets.putIfAbsent(batchId, offset);
                itemOffsets.computeIfAbsent(batchId, k -> new ArrayList<>()).add(offset);
            }
        }

        /** One transaction: the seals. */
        void seal(TestBatch... batches) {
            List<BatchRecord> seals =
                    java.util.Arrays.stream(batches).map(TestBatch::sealRecord).toList();
            List<RecordMetadata> landed = writer.write(partition, seals);
            for (int i = 0; i < batches.length; i++) {
                String id = batches[i].batchId();
                RecordMetadata m = landed.get(i);
                placed.put(id, new Placed(m.partition(), Objects.requireNonNull(firstOffsets.get(id), id), m.offset()));
            }
        }

        /** The seal of {@code batchId}, when written, carries this lineage header (a child the poller made). */
        void lineage(String batchId, Lineage lineage) {
            writer.lineage(batchId, lineage);
        }

        /**
         * One transaction: the lone seal of a range child, {@code count} items / {@code bytes} bytes in the model
         * and kind of {@code like}, with its lineage header (which names the range).
         */
        Placed sealRange(String childId, TestBatch like, int count, long bytes, Lineage lineage) {
            writer.lineage(childId, lineage);
            BatchRecord seal = new BatchRecord(
                    childId,
                    like.groupKey(),
                    null,
                    SealedBatches.seal(like.groupKey(), like.model(), like.kind(), count, bytes, Instant.now()));
            RecordMetadata m = writer.write(partition, List.of(seal)).get(0);
            Placed p = new Placed(m.partition(), lineage.items().fromOffset(), m.offset());
            placed.put(childId, p);
            return p;
        }

        @Override
        public void close() {
            writer.close();
        }
    }

    /** Reads genai.jobs (read_committed) from the start, keeping every record per batchId in order. */
    static final class JobsTopic implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final RecordCodec<BatchJob> codec = RecordCodec.batchJob();
        final Map<String, List<BatchJob>> history = new LinkedHashMap<>();
        /** The lineage header of each record in {@link #history} (null where there is none). */
        final Map<String, List<Lineage>> lineages = new LinkedHashMap<>();
        /** Batches whose latest record read is a tombstone (they are not in {@link #history} any more). */
        final java.util.Set<String> tombstoned = new java.util.LinkedHashSet<>();

        JobsTopic(KafkaCluster kafka, String topic) {
            consumer = TopicReader.fromStart(Map.of("bootstrap.servers", kafka.bootstrapServers()), topic);
        }

        /** Reads until {@code done} holds for what was read so far, or fails after the deadline. */
        Map<String, List<BatchJob>> awaitUntil(Predicate<Map<String, List<BatchJob>>> done, String what) {
            if (!done.test(history)) {
                Await.until(
                        what + " on genai.jobs",
                        DEADLINE,
                        () -> {
                            read();
                            return new Progress(done.test(history), summary());
                        },
                        Progress::done);
            }
            return history;
        }

        private record Progress(boolean done, String seen) {
            @Override
            public String toString() {
                return seen;
            }
        }

        private void read() {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                String batchId = new String(r.key(), StandardCharsets.UTF_8);
                if (r.value() == null) {
                    tombstoned.add(batchId);
                    history.remove(batchId);
                    lineages.remove(batchId);
                    continue;
                }
                tombstoned.remove(batchId);
                history.computeIfAbsent(batchId, k -> new ArrayList<>()).add(codec.decode(r.value()));
                lineages.computeIfAbsent(batchId, k -> new ArrayList<>())
                        .add(Lineage.from(r.headers()).orElse(null));
            }
        }

        /** Until every batch has a record with a job name (or a terminal record without one). */
        Map<String, List<BatchJob>> awaitRecorded(Collection<String> batchIds) {
            return awaitUntil(
                    h -> batchIds.stream()
                            .allMatch(
                                    id -> h.getOrDefault(id, List.of()).stream().anyMatch(j -> j.getJobName() != null)),
                    "a job name for each of " + batchIds);
        }

        /** Reads what is there now, to the end, without waiting for anything in particular. */
        Map<String, List<BatchJob>> readToEnd() {
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            return awaitUntil(
                    h -> end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue()),
                    "the end of genai.jobs");
        }

        String summary() {
            StringBuilder b = new StringBuilder();
            history.forEach((id, jobs) -> b.append("\n  ")
                    .append(id)
                    .append(": ")
                    .append(jobs.stream()
                            .map(j -> j.getState() + "/" + j.getJobName())
                            .toList()));
            return b.length() == 0 ? "nothing" : b.toString();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /**
     * A producer inside a transaction on {@code topic}, one record sent to the partition of {@code key}, nothing
     * committed: what a killed producer leaves until the transaction times out ({@code timeout}). Close it when done.
     */
    static KafkaProducer<String, byte[]> openTransaction(KafkaCluster kafka, String topic, String key, Duration timeout)
            throws Exception {
        KafkaProducer<String, byte[]> p = new KafkaProducer<>(
                Map.of(
                        "bootstrap.servers",
                        kafka.bootstrapServers(),
                        "transactional.id",
                        topic + "-dead-" + key,
                        "transaction.timeout.ms",
                        (int) timeout.toMillis()),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
        p.initTransactions();
        p.beginTransaction();
        p.send(new ProducerRecord<>(topic, key + "-other", new byte[] {1})).get();
        p.send(new ProducerRecord<>(topic, key, (byte[]) null)).get();
        return p;
    }

    /** One genai.jobs record, committed, without a transaction. */
    static void writeJobRecord(KafkaCluster kafka, String topic, BatchJob job) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            p.send(new ProducerRecord<>(
                            topic, job.getBatchId(), RecordCodec.batchJob().encode(job, ValueFormat.AVRO)))
                    .get();
        }
    }

    /** The group's committed offsets on genai.batches. */
    static Map<Integer, Long> committedOffsets(GenAiBatchConfig config, String groupId) throws Exception {
        try (Admin admin = new KafkaClients(config).admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(
                            Map.of(groupId, new ListConsumerGroupOffsetsSpec()))
                    .partitionsToOffsetAndMetadata(groupId)
                    .get();
            Map<Integer, Long> out = new HashMap<>();
            offsets.forEach((tp, o) -> {
                if (o != null) {
                    out.put(tp.partition(), o.offset());
                }
            });
            return out;
        }
    }

    /** Until the role stops on its own; its cause. */
    static Throwable awaitFailure(Submitter submitter) throws Exception {
        java.util.concurrent.CompletableFuture<Void> stopped =
                submitter.stopped().toCompletableFuture();
        try {
            stopped.get(DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the submitter stopped without the simulated crash");
    }

    /** True when the group's committed offset is past the seal of every batch written. */
    static boolean committedPast(GenAiBatchConfig config, String prefix, BatchesTopic batches) {
        try {
            Map<Integer, Long> committed = committedOffsets(config, prefix + "submit");
            return batches.placed.values().stream()
                    .allMatch(p -> committed.getOrDefault(p.partition(), -1L) > p.sealOffset());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void await(BooleanSupplier done, String what) {
        Await.until(what, DEADLINE, done::getAsBoolean);
    }

    /** Every batch: exactly one job at the API, and every job name recorded for it on genai.jobs is that one. */
    static void assertOneJobEach(GeminiEmulator emulator, Map<String, List<BatchJob>> history, Collection<String> ids) {
        for (String id : ids) {
            assertThat(emulator.jobsCreatedFor(id))
                    .as("jobs created at the API for %s", id)
                    .isEqualTo(1);
            assertThat(history.get(id).stream()
                            .map(BatchJob::getJobName)
                            .filter(Objects::nonNull)
                            .distinct()
                            .toList())
                    .as("job names recorded for %s", id)
                    .hasSize(1);
        }
    }
}
