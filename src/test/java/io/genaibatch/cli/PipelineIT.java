package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.InputMode;
import io.genaibatch.run.Role;
import io.genaibatch.run.RoleContext;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole product against a real broker and the emulator, through the real SDK: requests in, one right response
 * per request out (DESIGN.md §4, guarantees 1 and 2).
 */
@ExtendWith(KafkaCluster.class)
class PipelineIT {
    private static final int REQUESTS = 10_000;
    private static final Duration WAIT = Duration.ofMinutes(4);

    private GeminiEmulator emulator;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void startEmulator() throws Exception {
        emulator = GeminiEmulator.start(EmulatorOptions.builder().runningMillis(300).build());
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        emulator.close();
    }

    @Test
    void shouldAnswerEveryRequestExactlyOnceWithTheRightResponseOverInlineAndFileJobs(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        // Step 1: topics and all three roles; flash-lite batches are small enough to go inline, flash ones are not
        GenAiBatchConfig config = config(kafka, dir, "pipeline");
        start(config, List.of("accumulate", "submit", "poll"));

        // Step 2: 10,000 requests over two generation models and one embedding model, with a header each
        String runId = "p1";
        produce(config, runId, 0, REQUESTS);

        // Step 3: every key answered once, each answer the right one, headers and metadata passed through
        Map<String, List<GenAiResponse>> responses = awaitResponses(config, runId, REQUESTS);
        assertExactlyOneRightResponseEach(runId, responses);

        // Step 4: both job forms were used, and the emulator saw exactly one job per batch
        Map<String, BatchJob> jobs = jobs(config);
        assertThat(jobs.values()).extracting(BatchJob::getInputMode).contains(InputMode.INLINE, InputMode.FILE);
        assertThat(jobs.keySet()).allSatisfy(batchId -> assertThat(emulator.jobsCreatedFor(batchId)).isEqualTo(1));
    }

    @Test
    void shouldStillAnswerEveryRequestOnceWhenSubmitterAndPollerRestartMidStream(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        // Step 1: all roles; the submitter and poller are stopped once responses start to arrive
        GenAiBatchConfig config = config(kafka, dir, "restart");
        RoleContext context = new RoleContext(config, Map.of("GEMINI_API_KEY", "test-key"));
        toClose.add(context);
        List<Role> first = RunCommand.build(List.of("accumulate", "submit", "poll"), context);
        first.forEach(Role::start);
        toClose.add(first.get(0));

        String runId = "p2";
        produce(config, runId, 0, REQUESTS / 2);
        Map<String, List<GenAiResponse>> seen = new ConcurrentHashMap<>();
        try (TopicTail tail = TopicTail.open(new KafkaClients(config), Topics.from(config).responses(), Map.of())) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (seen.size() < 500 && System.nanoTime() < deadline) {
                tail.poll(Duration.ofMillis(200), r -> collect(seen, runId, r.key(), r.value()));
            }
        }
        assertThat(seen).as("responses before the restart").hasSizeGreaterThanOrEqualTo(500);

        // Step 2: stop submitter and poller mid-stream, publish the second half, start new instances
        first.get(2).close();
        first.get(1).close();
        produce(config, runId, REQUESTS / 2, REQUESTS);
        List<Role> second = RunCommand.build(List.of("submit", "poll"), context);
        second.forEach(Role::start);
        toClose.addAll(second);

        // Step 3: still exactly one right response per key, and one job per batch
        Map<String, List<GenAiResponse>> responses = awaitResponses(config, runId, REQUESTS);
        assertExactlyOneRightResponseEach(runId, responses);
        assertThat(jobs(config).keySet()).isNotEmpty()
                .allSatisfy(batchId -> assertThat(emulator.jobsCreatedFor(batchId)).as(batchId).isEqualTo(1));
    }

    private GenAiBatchConfig config(KafkaCluster kafka, Path dir, String name) throws Exception {
        String prefix = KafkaCluster.uniquePrefix(name);
        Map<String, String> settings = new HashMap<>();
        settings.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        settings.putAll(KafkaCluster.isolatedTopics(prefix));
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
        GenAiBatchConfig config = GenAiBatchConfig.of(settings);
        try (Admin admin = new KafkaClients(config).admin()) {
            new TopicAdmin(admin).createMissing(Topics.from(config).specs());
        }
        return config;
    }

    private RoleContext start(GenAiBatchConfig config, List<String> roles) {
        RoleContext context = new RoleContext(config, Map.of("GEMINI_API_KEY", "test-key"));
        toClose.add(context);
        for (Role role : RunCommand.build(roles, context)) {
            role.start();
            toClose.add(role);
        }
        return context;
    }

    private static void produce(GenAiBatchConfig config, String runId, int from, int to) throws Exception {
        KafkaClients clients = new KafkaClients(config);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(clients.properties(Map.of("linger.ms", 5)),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = from; i < to; i++) {
                DemoRequests.Demo demo = DemoRequests.make(runId, i);
                GenAiRequest request = GenAiRequest.newBuilder(demo.request()).setRequestId(callerRequestId(runId, i)).build();
                // Half the requests as JSON, half as Avro: the accumulator reads both
                ValueFormat format = i % 2 == 0 ? ValueFormat.AVRO : ValueFormat.JSON;
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(Topics.from(config).requests(),
                        demo.key().getBytes(StandardCharsets.UTF_8), RecordCodec.genAiRequest().encode(request, format));
                record.headers().add("correlation-id", ("c-" + demo.key()).getBytes(StandardCharsets.UTF_8));
                producer.send(record);
            }
            producer.flush();
        }
    }

    /**
     * One request in four carries a requestId of the caller's, and those ids repeat (every 40th request of a model
     * shares one): callers retry and choose ids independently, and each request must still get its own answer.
     * The others leave it to the service.
     */
    private static String callerRequestId(String runId, int i) {
        return i % 4 == 0 ? runId + "-shared-" + (i % 120) : null;
    }

    private static Map<String, List<GenAiResponse>> awaitResponses(GenAiBatchConfig config, String runId, int expected) {
        Map<String, List<GenAiResponse>> responses = new ConcurrentHashMap<>();
        try (TopicTail tail = TopicTail.open(new KafkaClients(config), Topics.from(config).responses(), Map.of())) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (responses.size() < expected && System.nanoTime() < deadline) {
                tail.poll(Duration.ofMillis(200), r -> collectWithHeader(responses, runId, r));
            }
            // A duplicate would come after the last first answer: read a little longer.
            long grace = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < grace) {
                tail.poll(Duration.ofMillis(200), r -> collectWithHeader(responses, runId, r));
            }
        }
        assertThat(responses).as("keys answered within %s", WAIT).hasSize(expected);
        return responses;
    }

    private static void collectWithHeader(Map<String, List<GenAiResponse>> into, String runId,
                                          org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r) {
        String key = new String(r.key(), StandardCharsets.UTF_8);
        if (key.startsWith(DemoRequests.keyPrefix(runId))) {
            var header = r.headers().lastHeader("correlation-id");
            assertThat(header).as("correlation-id header of %s", key).isNotNull();
            assertThat(new String(header.value(), StandardCharsets.UTF_8)).isEqualTo("c-" + key);
        }
        collect(into, runId, r.key(), r.value());
    }

    private static void collect(Map<String, List<GenAiResponse>> into, String runId, byte[] key, byte[] value) {
        String k = new String(key, StandardCharsets.UTF_8);
        if (k.startsWith(DemoRequests.keyPrefix(runId))) {
            into.computeIfAbsent(k, x -> new ArrayList<>()).add(RecordCodec.genAiResponse().decode(value));
        }
    }

    private static void assertExactlyOneRightResponseEach(String runId, Map<String, List<GenAiResponse>> responses) {
        Map<String, String> wrong = new TreeMap<>();
        for (int i = 0; i < REQUESTS; i++) {
            DemoRequests.Demo demo = DemoRequests.make(runId, i);
            List<GenAiResponse> got = responses.get(demo.key());
            if (got == null || got.size() != 1) {
                wrong.put(demo.key(), (got == null ? 0 : got.size()) + " responses");
                continue;
            }
            GenAiResponse response = got.get(0);
            ResponseCheck.problem(demo.request().getKind(), demo.prompt(), response).ifPresent(p -> wrong.put(demo.key(), p));
            String expectedId = callerRequestId(runId, i);
            if (expectedId != null && !expectedId.equals(response.getRequestId())) {
                wrong.put(demo.key(), "requestId " + response.getRequestId() + ", sent " + expectedId);
            }
            if (!response.getMetadata().equals(demo.request().getMetadata())) {
                wrong.put(demo.key(), "metadata " + response.getMetadata() + ", sent " + demo.request().getMetadata());
            }
            if (!response.getModel().endsWith(demo.request().getModel())) {
                wrong.put(demo.key(), "model " + response.getModel() + ", sent " + demo.request().getModel());
            }
        }
        assertThat(wrong).as("keys without exactly one right response").isEmpty();
    }

    private static Map<String, BatchJob> jobs(GenAiBatchConfig config) {
        Map<String, BatchJob> jobs = new HashMap<>();
        try (TopicTail tail = TopicTail.open(new KafkaClients(config), Topics.from(config).jobs(), Map.of())) {
            tail.readToEnd(r -> {
                BatchJob job = RecordCodec.batchJob().decode(r.value());
                jobs.put(job.getBatchId(), job);
            });
        }
        return jobs;
    }
}
