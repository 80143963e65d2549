package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.batch.JsonlLine;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.BatchInput;
import io.genaibatch.gemini.GeminiSettings;
import io.genaibatch.gemini.RetrySettings;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.Header;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import io.genaibatch.testkit.Await;
import io.genaibatch.testkit.BatchesWriter;
import io.genaibatch.testkit.SealedBatches;
import io.genaibatch.testkit.TestConfig;
import io.genaibatch.testkit.TopicReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One test's world for the poller ITs: its own topics on the shared broker, an emulator, a Gemini client, and the
 * state the accumulator and the submitter would have left: a batch's items and seal on genai.batches, the job at
 * the emulator, its PENDING record on genai.jobs. Then helpers to read what the poller published.
 */
final class PollFixture implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = "gemini-2.5-flash";
    static final String EMBED_MODEL = "gemini-embedding-001";
    static final int EMBED_DIMENSION = 8;

    final String prefix;
    final GenAiBatchConfig config;
    final Topics topics;
    final GeminiEmulator emulator;
    final BatchApi api;
    final Path dir;
    private final KafkaCluster kafka;
    private final Map<String, String> settings;
    private final KafkaProducer<byte[], byte[]> producer;
    private final BatchesWriter batchesWriter;
    private final List<Poller> pollers = new ArrayList<>();

    /** A batch as the accumulator wrote it. */
    record Batch(
            String batchId,
            RequestKind kind,
            String model,
            List<BatchItem> items,
            Map<String, String> prompts,
            int partition,
            long firstOffset,
            long lastOffset) {
        BatchItem item(String requestId) {
            return items.stream()
                    .filter(i -> i.getRequestId().equals(requestId))
                    .findFirst()
                    .orElseThrow();
        }

        BatchItem itemByKey(String key) {
            return items.stream()
                    .filter(i -> key.equals(utf8(i.getKey())))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no item of " + batchId + " has the key " + key));
        }
    }

    private PollFixture(
            KafkaCluster kafka, String name, EmulatorOptions emulatorOptions, Path dir, Map<String, String> overrides)
            throws Exception {
        this.kafka = kafka;
        this.dir = dir;
        this.prefix = KafkaCluster.uniquePrefix(name);
        this.emulator = GeminiEmulator.start(emulatorOptions);
        Map<String, String> settings = TestConfig.settings(kafka.bootstrapServers(), prefix);
        settings.put("topics.partitions", "2");
        settings.put("gemini.base-url", emulator.baseUrl());
        settings.put("poll.group-id", prefix + "poll");
        settings.put("poll.initial-interval", "100ms");
        settings.put("poll.max-interval", "300ms");
        settings.put("poll.publish-chunk", "10");
        settings.put("poll.cache-dir", dir.resolve("cache").toString());
        settings.put("poll.close-timeout", "10s");
        // These tests check what each outcome is answered with, without a submitter to take child batches.
        settings.put("poll.policy", "terminal");
        settings.put("poll.gone-after", "1s");
        settings.putAll(overrides);
        this.settings = Map.copyOf(settings);
        this.config = TestConfig.withTopics(settings);
        this.topics = Topics.from(config);
        this.api = BatchApi.open(GeminiSettings.builder()
                .baseUrl(emulator.baseUrl())
                .apiKey("test-key")
                .connectTimeout(Duration.ofSeconds(5))
                .requestTimeout(Duration.ofSeconds(30))
                .retry(RetrySettings.NO_RETRY)
                .build());
        this.producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        this.batchesWriter = new BatchesWriter(kafka.bootstrapServers(), topics.batches());
    }

    static PollFixture start(KafkaCluster kafka, String name, EmulatorOptions emulator, Path dir) throws Exception {
        return new PollFixture(kafka, name, emulator, dir, Map.of());
    }

    static PollFixture start(
            KafkaCluster kafka, String name, EmulatorOptions emulator, Path dir, Map<String, String> overrides)
            throws Exception {
        return new PollFixture(kafka, name, emulator, dir, overrides);
    }

    /** A started poller on this fixture's config, closed with the fixture. */
    Poller startPoller() {
        return startPoller(PollerHooks.NONE);
    }

    Poller startPoller(PollerHooks hooks) {
        return startPoller(hooks, Map.of());
    }

    /** A started poller on this fixture's config with some keys changed, e.g. its own poll.cache-dir. */
    Poller startPoller(PollerHooks hooks, Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(settings);
        merged.putAll(overrides);
        Poller p = new Poller(GenAiBatchConfig.of(merged), api, Clock.systemUTC(), hooks);
        pollers.add(p);
        p.start();
        return p;
    }

    /** A started poller on this fixture's config that calls the API through {@code api} (closed with the poller). */
    Poller startPoller(BatchApi otherApi) {
        Poller p = new Poller(config, otherApi, Clock.systemUTC(), PollerHooks.NONE);
        pollers.add(p);
        p.start();
        return p;
    }

    /** poll.cache-dir of this fixture's pollers. */
    Path cacheRoot() {
        return dir.resolve("cache");
    }

    // ----- Step 1: what the accumulator leaves -----

    /**
     * Writes {@code n} items of a batch to genai.batches partition {@code partition}, interleaved with the items of a
     * decoy batch that reuses the same requestIds with other keys and prompts (so only a reader that filters by
     * batchId maps keys right), then the seal: one transaction, as the accumulator writes.
     */
    Batch writeBatch(String batchId, RequestKind kind, int n, int partition) throws Exception {
        return writeBatch(batchId, kind, n, partition, i -> "question number " + i + " of " + batchId);
    }

    /** As {@link #writeBatch(String, RequestKind, int, int)}, with the prompt of item i chosen by the test. */
    Batch writeBatch(
            String batchId, RequestKind kind, int n, int partition, java.util.function.IntFunction<String> promptOf)
            throws Exception {
        String model = kind == RequestKind.EMBED ? EMBED_MODEL : MODEL;
        String decoyId = batchId + "-decoy";
        List<BatchItem> items = new ArrayList<>();
        Map<String, String> prompts = new LinkedHashMap<>();
        List<BatchRecord> records = new ArrayList<>();
        Instant received = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (int i = 0; i < n; i++) {
            String requestId = "r-" + i;
            String prompt = promptOf.apply(i);
            BatchItem item =
                    item(requestId, "key-" + batchId + "-" + i, prompt, kind, model, received.plusMillis(i), i);
            items.add(item);
            prompts.put(requestId, prompt);
            records.add(new BatchRecord(batchId, groupKey(kind), item, null));
            if (i % 3 == 0) {
                records.add(new BatchRecord(
                        decoyId,
                        groupKey(kind),
                        item(requestId, "decoy-" + i, "decoy prompt " + i, kind, model, received, i),
                        null));
            }
        }
        records.add(new BatchRecord(
                batchId,
                groupKey(kind),
                null,
                SealedBatches.seal(
                        groupKey(kind),
                        model,
                        kind,
                        n,
                        items.stream().mapToLong(BatchItem::getRequestBytes).sum(),
                        received)));
        List<RecordMetadata> landed = batchesWriter.write(partition, records);
        // the first record is the batch's first item (for n > 0), the last one its seal
        return new Batch(
                batchId,
                kind,
                model,
                items,
                prompts,
                partition,
                landed.get(0).offset(),
                landed.get(landed.size() - 1).offset());
    }

    private static BatchItem item(
            String requestId, String key, String prompt, RequestKind kind, String model, Instant received, int i) {
        String request = kind == RequestKind.EMBED
                ? "{\"content\":{\"parts\":[{\"text\":" + quote(prompt) + "}]},\"outputDimensionality\":"
                        + EMBED_DIMENSION + "}"
                : "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":" + quote(prompt) + "}]}]}";
        List<Header> headers = new ArrayList<>();
        headers.add(new Header("correlation-id", ByteBuffer.wrap(("c-" + key).getBytes(StandardCharsets.UTF_8))));
        headers.add(new Header("reply-to", ByteBuffer.wrap("replies".getBytes(StandardCharsets.UTF_8))));
        if (i % 2 == 0) {
            headers.add(new Header("nullable", null));
        }
        return BatchItem.newBuilder()
                .setRequestId(requestId)
                .setKey(ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)))
                .setHeaders(headers)
                .setMetadata(Map.of("team", "t-" + (i % 3), "seq", Integer.toString(i)))
                .setModel(model)
                .setKind(kind)
                .setRequest(request)
                .setRequestBytes(JsonlLine.size(io.genaibatch.batch.LineKey.of("genai.requests", 0, i), request))
                .setSourceTopic("genai.requests")
                .setSourcePartition(0)
                .setSourceOffset(i)
                .setReceivedAt(received)
                .build();
    }

    // ----- Step 2: what the submitter leaves -----

    /** Creates the job at the emulator, as the submitter would, and returns its name. */
    String createJob(Batch batch, InputMode mode) throws IOException {
        Path spool = dir.resolve(batch.batchId() + ".jsonl");
        try (OutputStream out = Files.newOutputStream(spool)) {
            for (BatchItem item : batch.items()) {
                out.write(JsonlLine.bytes(item));
            }
        }
        if (mode == InputMode.INLINE) {
            return api.create(batch.model(), batch.batchId(), BatchInput.inline(spool))
                    .name();
        }
        String file =
                api.uploadFile(spool, "application/jsonl", batch.batchId()).name();
        return (batch.kind() == RequestKind.EMBED
                        ? api.createEmbeddings(batch.model(), batch.batchId(), BatchInput.file(file))
                        : api.create(batch.model(), batch.batchId(), BatchInput.file(file)))
                .name();
    }

    /** The PENDING record the submitter writes after create. */
    BatchJob writeJob(Batch batch, String jobName, InputMode mode) throws Exception {
        return writeJob(batch, jobName, mode, JobState.PENDING, null);
    }

    /** A job record in any state, e.g. the FAILED one the submitter writes when the API refused the batch. */
    BatchJob writeJob(Batch batch, String jobName, InputMode mode, JobState state, io.genaibatch.records.Error error)
            throws Exception {
        Instant now = Instant.now();
        BatchJob job = BatchJob.newBuilder()
                .setBatchId(batch.batchId())
                .setGroupKey(groupKey(batch.kind()))
                .setModel(batch.model())
                .setKind(batch.kind())
                .setAttempt(1)
                .setItemCount(batch.items().size())
                .setItemBytes(batch.items().stream()
                        .mapToLong(BatchItem::getRequestBytes)
                        .sum())
                .setItemsPartition(batch.partition())
                .setFirstItemOffset(batch.firstOffset())
                .setLastItemOffset(batch.lastOffset())
                .setInputMode(mode)
                .setUploadedFile(mode == InputMode.FILE ? "files/uploaded" : null)
                .setJobName(jobName)
                .setState(state)
                .setError(error)
                .setCreatedAt(now)
                .setUpdatedAt(now)
                .setSubmittedAt(jobName == null ? null : now)
                .build();
        producer.send(new ProducerRecord<>(
                        topics.jobs(),
                        batch.batchId().getBytes(StandardCharsets.UTF_8),
                        RecordCodec.batchJob().encode(job, ValueFormat.AVRO)))
                .get();
        return job;
    }

    /** Writes this job record as it is (committed, no transaction). */
    void writeJobRecord(BatchJob job) throws Exception {
        producer.send(new ProducerRecord<>(
                        topics.jobs(),
                        job.getBatchId().getBytes(StandardCharsets.UTF_8),
                        RecordCodec.batchJob().encode(job, ValueFormat.AVRO)))
                .get();
    }

    /** The transactional.id of this fixture's poller producer for genai.jobs partition {@code partition}. */
    String pollerTransactionalId(int partition) {
        return PollerClients.transactionalId(prefix + "poll", topics.jobs(), partition);
    }

    /**
     * Hooks whose producer with {@code transactionalId} runs {@code beforeInit} (which may throw or wait) at each
     * initTransactions; the other producers are left alone.
     */
    static PollerHooks beforeInit(String transactionalId, Runnable beforeInit) {
        return aroundInit(transactionalId, beforeInit, () -> {});
    }

    /**
     * Hooks whose producer with {@code transactionalId} runs {@code afterInit} (which may throw) once each
     * initTransactions has gone through; the other producers are left alone.
     */
    static PollerHooks afterInit(String transactionalId, Runnable afterInit) {
        return aroundInit(transactionalId, () -> {}, afterInit);
    }

    private static PollerHooks aroundInit(String transactionalId, Runnable before, Runnable after) {
        return new PollerHooks() {
            @Override
            public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                boolean watched = transactionalId.equals(properties.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG));
                return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer()) {
                    @Override
                    public void initTransactions() {
                        if (watched) {
                            before.run();
                        }
                        super.initTransactions();
                        if (watched) {
                            after.run();
                        }
                    }
                };
            }
        };
    }

    /** The genai.jobs partition a batch's records go to (the default partitioner, by batch id). */
    int jobsPartitionOf(String batchId) {
        int partitions = producer.partitionsFor(topics.jobs()).size();
        return org.apache.kafka.common.utils.Utils.toPositive(
                        org.apache.kafka.common.utils.Utils.murmur2(batchId.getBytes(StandardCharsets.UTF_8)))
                % partitions;
    }

    /** The first of {@code prefix}0, {@code prefix}1, ... whose records go to genai.jobs partition {@code partition}. */
    String batchIdOnJobsPartition(String prefix, int partition) {
        for (int i = 0; ; i++) {
            if (jobsPartitionOf(prefix + i) == partition) {
                return prefix + i;
            }
        }
    }

    /**
     * A producer inside a transaction on genai.jobs partition {@code partition}, with one record sent and nothing
     * committed: what a killed submitter leaves until the transaction times out. Close it (or abort) when done.
     */
    org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> openTransaction(int partition) throws Exception {
        org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> p =
                new org.apache.kafka.clients.producer.KafkaProducer<>(
                        Map.of(
                                "bootstrap.servers",
                                kafka.bootstrapServers(),
                                "transactional.id",
                                prefix + "dead-submitter",
                                "transaction.timeout.ms",
                                60_000),
                        new ByteArraySerializer(),
                        new ByteArraySerializer());
        p.initTransactions();
        p.beginTransaction();
        p.send(new ProducerRecord<>(
                        topics.jobs(),
                        partition,
                        "other-batch".getBytes(StandardCharsets.UTF_8),
                        "in flight".getBytes(StandardCharsets.UTF_8)))
                .get();
        return p;
    }

    /** Steps 1 and 2 in one. */
    Batch submitted(String batchId, RequestKind kind, int n, int partition, InputMode mode) throws Exception {
        Batch b = writeBatch(batchId, kind, n, partition);
        writeJob(b, createJob(b, mode), mode);
        return b;
    }

    // ----- Step 3: what the poller published -----

    /** Every record of the batch on genai.jobs (read_committed), oldest first, once the latest matches {@code until}. */
    List<BatchJob> awaitJobHistory(String batchId, Predicate<BatchJob> until, Duration timeout) {
        JobHistory history = new JobHistory(new ArrayList<>());
        try (KafkaConsumer<byte[], byte[]> c = TopicReader.fromStart(clientProperties(), topics.jobs())) {
            return Await.until(
                            "batch " + batchId + " on " + topics.jobs(),
                            timeout,
                            () -> {
                                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                                    if (batchId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                                        history.records()
                                                .add(RecordCodec.batchJob().decode(r.value()));
                                    }
                                }
                                return history;
                            },
                            h -> !h.records().isEmpty()
                                    && until.test(h.records().get(h.records().size() - 1)))
                    .records();
        }
    }

    /** A batch's records on genai.jobs as read so far; shown as state@publishedThrough when a wait times out. */
    private record JobHistory(List<BatchJob> records) {
        @Override
        public String toString() {
            return "its records: "
                    + records.stream()
                            .map(j -> j.getState() + "@" + j.getPublishedThrough())
                            .toList();
        }
    }

    BatchJob awaitPublished(String batchId) {
        return awaitPublished(batchId, Duration.ofSeconds(60));
    }

    /** The job's PUBLISHED record, within {@code timeout}. */
    BatchJob awaitPublished(String batchId, Duration timeout) {
        List<BatchJob> h = awaitJobHistory(batchId, j -> j.getState() == JobState.PUBLISHED, timeout);
        return h.get(h.size() - 1);
    }

    /** The committed responses, by key as text (all of them: a key answered twice shows as a duplicate). */
    List<ConsumerRecord<byte[], byte[]>> responses() {
        return readAll(topics.responses());
    }

    static GenAiResponse value(ConsumerRecord<byte[], byte[]> r) {
        return RecordCodec.genAiResponse().decode(r.value());
    }

    static String key(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.key(), StandardCharsets.UTF_8);
    }

    /** Every committed record of the topic up to its current end (read_committed: up to the last stable offset). */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return TopicReader.readToEnd(clientProperties(), topic, Duration.ofSeconds(30));
    }

    private Map<String, Object> clientProperties() {
        return Map.of("bootstrap.servers", kafka.bootstrapServers());
    }

    /** The text of the first candidate of a GenerateContentResponse JSON. */
    static String text(String responseJson) throws IOException {
        JsonNode n = JSON.readTree(responseJson);
        return n.path("candidates")
                .path(0)
                .path("content")
                .path("parts")
                .path(0)
                .path("text")
                .asText();
    }

    static List<String> headerKeys(ConsumerRecord<byte[], byte[]> r) {
        List<String> keys = new ArrayList<>();
        r.headers().forEach(h -> keys.add(h.key()));
        return keys;
    }

    static Optional<String> header(ConsumerRecord<byte[], byte[]> r, String key) {
        var h = r.headers().lastHeader(key);
        return h == null || h.value() == null
                ? Optional.empty()
                : Optional.of(new String(h.value(), StandardCharsets.UTF_8));
    }

    static String utf8(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] a = new byte[d.remaining()];
        d.get(a);
        return new String(a, StandardCharsets.UTF_8);
    }

    /** Asserts exactly one response per item of the batch but those named, which have none; returns them by key. */
    Map<String, ConsumerRecord<byte[], byte[]>> assertOneResponsePerKey(Batch batch, java.util.Set<String> unanswered) {
        return assertOneResponsePerKey(batch.items().stream()
                .filter(i -> !unanswered.contains(i.getRequestId()))
                .map(i -> utf8(i.getKey()))
                .toList());
    }

    /** Asserts exactly one response per item of the batches, and returns them by key. */
    Map<String, ConsumerRecord<byte[], byte[]>> assertOneResponsePerKey(Batch... batches) {
        List<String> expected = new ArrayList<>();
        for (Batch b : batches) {
            b.items().forEach(i -> expected.add(utf8(i.getKey())));
        }
        return assertOneResponsePerKey(expected);
    }

    private Map<String, ConsumerRecord<byte[], byte[]>> assertOneResponsePerKey(List<String> expected) {
        List<ConsumerRecord<byte[], byte[]>> all = responses();
        Map<String, ConsumerRecord<byte[], byte[]>> byKey = new LinkedHashMap<>();
        List<String> duplicates = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : all) {
            if (byKey.put(key(r), r) != null) {
                duplicates.add(key(r));
            }
        }
        assertThat(duplicates).as("keys answered more than once").isEmpty();
        assertThat(byKey.keySet()).as("keys answered").containsExactlyInAnyOrderElementsOf(expected);
        return byKey;
    }

    /**
     * Deletes the start of the batch's genai.batches partition up to the item {@code requestId} (excluded), as
     * retention would.
     */
    void deleteItemsBefore(Batch batch, String requestId) throws Exception {
        long offset = -1;
        for (ConsumerRecord<byte[], byte[]> r : readAll(topics.batches())) {
            BatchRecord record = RecordCodec.batchRecord().decode(r.value());
            if (r.partition() == batch.partition()
                    && batch.batchId().equals(record.getBatchId())
                    && record.getItem() != null
                    && requestId.equals(record.getItem().getRequestId())) {
                offset = r.offset();
            }
        }
        assertThat(offset).as("offset of " + requestId).isNotNegative();
        try (Admin admin = new KafkaClients(config).admin()) {
            admin.deleteRecords(Map.of(
                            new TopicPartition(topics.batches(), batch.partition()),
                            org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(offset)))
                    .all()
                    .get();
        }
    }

    /** The job caches under poll.cache-dir (directories two levels down: partition, job), once they match. */
    static List<Path> awaitJobCaches(Path root, Predicate<List<Path>> done, String what) {
        return Await.until(what, Duration.ofSeconds(30), () -> jobCaches(root), done);
    }

    static List<Path> jobCaches(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root, 2)) {
            return s.filter(p -> root.relativize(p).getNameCount() == 2 && Files.isDirectory(p))
                    .sorted()
                    .toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            // a directory the poller deletes right now: look again
            return jobCaches(root);
        }
    }

    private static String groupKey(RequestKind kind) {
        return (kind == RequestKind.EMBED ? EMBED_MODEL : MODEL) + "|" + kind;
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        pollers.forEach(Poller::close);
        producer.close(Duration.ofSeconds(5));
        batchesWriter.close();
        api.close();
        emulator.close();
    }
}
