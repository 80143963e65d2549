package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.Lineage;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.run.Role;
import io.genaibatch.run.RoleContext;
import io.genaibatch.testkit.Await;
import io.genaibatch.testkit.TestConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The whole product in this JVM for an integration test: its configuration on isolated topics of the test broker,
 * the roles started from it, the demo requests produced, and what came back read and checked. Closes what it
 * started, in reverse order.
 */
final class PipelineRun implements AutoCloseable {
    private final GenAiBatchConfig config;
    private final Map<String, String> settings;
    private final RoleContext context;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** One received response, with the attempt and root batch its headers name. */
    record Answer(GenAiResponse response, int attempt, String rootBatchId) {}

    /** A genai.jobs record with the lineage its header carries. */
    record JobRecord(BatchJob job, Lineage lineage) {}

    private PipelineRun(GenAiBatchConfig config, Map<String, String> settings) {
        this.config = config;
        this.settings = Map.copyOf(settings);
        this.context = new RoleContext(config, Map.of("GEMINI_API_KEY", "test-key"));
        toClose.add(context);
    }

    /**
     * Short windows and polling for a test, the emulator as the API, topics created; {@code overrides} win.
     */
    static PipelineRun configure(
            KafkaCluster kafka, Path dir, String name, GeminiEmulator emulator, Map<String, String> overrides)
            throws Exception {
        return configure(kafka.bootstrapServers(), dir, name, emulator, overrides);
    }

    /** The same on a broker of the test's own (one it may stop). */
    static PipelineRun configure(
            String bootstrapServers, Path dir, String name, GeminiEmulator emulator, Map<String, String> overrides)
            throws Exception {
        String prefix = KafkaCluster.uniquePrefix(name);
        Map<String, String> settings = TestConfig.settings(bootstrapServers, prefix);
        settings.put("topics.partitions", "3");
        settings.put("accumulate.application-id", prefix + "accumulate");
        settings.put("accumulate.state-dir", dir.resolve("streams").toString());
        settings.put("submit.group-id", prefix + "submit");
        settings.put("submit.spool-dir", dir.resolve("spool").toString());
        settings.put("submit.inline-max-bytes", "200KB");
        settings.put("poll.group-id", prefix + "poll");
        settings.put("poll.cache-dir", dir.resolve("poll").toString());
        settings.put("poll.initial-interval", "200ms");
        settings.put("poll.max-interval", "1s");
        settings.put("poll.publish-chunk", "200");
        settings.put("gemini.base-url", emulator.baseUrl());
        settings.put("window.max-requests", "1500");
        settings.put("window.max-wait", "2s");
        settings.put("window.models.gemini-2.5-flash-lite.max-requests", "500");
        settings.putAll(overrides);
        return new PipelineRun(TestConfig.withTopics(settings), settings);
    }

    GenAiBatchConfig config() {
        return config;
    }

    /** The `genai-batch` command {@code command}, pointed at this run's broker and topics. */
    String[] cli(String... command) {
        return cli(key -> key.startsWith("topics.") && !key.equals("topics.partitions"), command);
    }

    /** The `genai-batch` command {@code command} with every setting of this run, e.g. `run` in another process. */
    String[] cliWithEverySetting(String... command) {
        return cli(key -> !key.equals("kafka.bootstrap-servers"), command);
    }

    private String[] cli(java.util.function.Predicate<String> keys, String... command) {
        List<String> args = new ArrayList<>(List.of(command));
        args.add("--bootstrap-servers");
        args.add(settings.get("kafka.bootstrap-servers"));
        new TreeMap<>(settings).forEach((key, value) -> {
            if (keys.test(key)) {
                args.add("--set");
                args.add(key + "=" + value);
            }
        });
        return args.toArray(String[]::new);
    }

    /** Builds and starts these roles; they are closed with the run (or earlier by the caller). */
    List<Role> start(String... roles) {
        List<Role> started = build(roles);
        started.forEach(Role::start);
        return started;
    }

    /** Builds these roles without starting them; they are closed with the run. */
    List<Role> build(String... roles) {
        List<Role> built = RunCommand.build(List.of(roles), context);
        toClose.addAll(built);
        return built;
    }

    /** The process's meters, as `run` would serve them. */
    io.genaibatch.run.Telemetry telemetry() {
        return context.telemetry();
    }

    /** Demo requests {@code from} (inclusive) to {@code to} of run {@code runId}, half Avro, half JSON, with a header. */
    void produce(String runId, int from, int to) {
        KafkaClients clients = new KafkaClients(config);
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                clients.properties(Map.of("linger.ms", 5)), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = from; i < to; i++) {
                DemoRequests.Demo demo = DemoRequests.make(runId, i);
                GenAiRequest request = GenAiRequest.newBuilder(demo.request())
                        .setRequestId(callerRequestId(runId, i))
                        .build();
                ValueFormat format = i % 2 == 0 ? ValueFormat.AVRO : ValueFormat.JSON;
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                        Topics.from(config).requests(),
                        demo.key().getBytes(StandardCharsets.UTF_8),
                        RecordCodec.genAiRequest().encode(request, format));
                record.headers().add("correlation-id", ("c-" + demo.key()).getBytes(StandardCharsets.UTF_8));
                producer.send(record, (metadata, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new AssertionError(
                    "a demo request was not written to " + Topics.from(config).requests(), failure.get());
        }
    }

    /**
     * One request in four carries a requestId of the caller's, and those ids repeat (every 40th request of a model
     * shares one): callers retry and choose ids independently, and each request must still get its own answer.
     */
    static String callerRequestId(String runId, int i) {
        return i % 4 == 0 ? runId + "-shared-" + (i % 120) : null;
    }

    /**
     * Reads genai.responses until {@code expected} keys of the run are answered (failing after {@code wait}), then a
     * little longer for duplicates; checks each answer carries the request's correlation-id header.
     */
    Map<String, List<Answer>> awaitResponses(String runId, int expected, Duration wait) {
        Map<String, List<Answer>> responses = new ConcurrentHashMap<>();
        try (TopicTail tail =
                TopicTail.open(new KafkaClients(config), Topics.from(config).responses(), Map.of())) {
            // The count is asserted below, after the look for duplicates
            Await.within(expected + " keys of " + runId + " answered", wait, () -> {
                tail.poll(Duration.ofMillis(200), r -> collect(responses, runId, r));
                return responses.size() >= expected;
            });
            // A fixed time on purpose: a duplicate comes after the expected answers, and nothing marks when
            long grace = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < grace) {
                tail.poll(Duration.ofMillis(200), r -> collect(responses, runId, r));
            }
        }
        assertThat(responses).as("keys answered within %s", wait).hasSize(expected);
        return responses;
    }

    static void collect(Map<String, List<Answer>> into, String runId, ConsumerRecord<byte[], byte[]> r) {
        String key = new String(r.key(), StandardCharsets.UTF_8);
        if (!key.startsWith(DemoRequests.keyPrefix(runId))) {
            return;
        }
        var header = r.headers().lastHeader("correlation-id");
        assertThat(header).as("correlation-id header of %s", key).isNotNull();
        assertThat(new String(header.value(), StandardCharsets.UTF_8)).isEqualTo("c-" + key);
        var attempt = r.headers().lastHeader(Lineage.ATTEMPT_HEADER);
        var root = r.headers().lastHeader(Lineage.ROOT_HEADER);
        into.computeIfAbsent(key, x -> new ArrayList<>())
                .add(new Answer(
                        RecordCodec.genAiResponse().decode(r.value()),
                        attempt == null ? 0 : Integer.parseInt(new String(attempt.value(), StandardCharsets.UTF_8)),
                        root == null ? null : new String(root.value(), StandardCharsets.UTF_8)));
    }

    /**
     * Every request 0..count-1 of the run has exactly one response, and it is its own: the emulator echoes each
     * prompt, so a response mapped to another key is caught; requestId, metadata and model come back as sent.
     */
    static void assertExactlyOneRightResponseEach(String runId, int count, Map<String, List<Answer>> responses) {
        Map<String, String> wrong = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            DemoRequests.Demo demo = DemoRequests.make(runId, i);
            List<Answer> got = responses.get(demo.key());
            if (got == null || got.size() != 1) {
                wrong.put(demo.key(), (got == null ? 0 : got.size()) + " responses");
                continue;
            }
            GenAiResponse response = got.get(0).response();
            ResponseCheck.problem(demo.request().getKind(), demo.prompt(), response)
                    .ifPresent(p -> wrong.put(demo.key(), p));
            String expectedId = callerRequestId(runId, i);
            if (expectedId != null && !expectedId.equals(response.getRequestId())) {
                wrong.put(demo.key(), "requestId " + response.getRequestId() + ", sent " + expectedId);
            }
            if (!response.getMetadata().equals(demo.request().getMetadata())) {
                wrong.put(
                        demo.key(),
                        "metadata " + response.getMetadata() + ", sent "
                                + demo.request().getMetadata());
            }
            if (!response.getModel().endsWith(demo.request().getModel())) {
                wrong.put(
                        demo.key(),
                        "model " + response.getModel() + ", sent "
                                + demo.request().getModel());
            }
        }
        assertThat(wrong).as("keys without exactly one right response").isEmpty();
    }

    /** The latest genai.jobs record of every batch, with its lineage. */
    Map<String, JobRecord> jobs() {
        Map<String, JobRecord> jobs = new LinkedHashMap<>();
        try (TopicTail tail =
                TopicTail.open(new KafkaClients(config), Topics.from(config).jobs(), Map.of())) {
            tail.readToEnd(r -> {
                BatchJob job = RecordCodec.batchJob().decode(r.value());
                jobs.put(job.getBatchId(), new JobRecord(job, Lineage.orRoot(r.headers(), job.getBatchId())));
            });
        }
        return jobs;
    }

    @Override
    public void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }
}
