package io.genaibatch.accumulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.TopicReadiness;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.testkit.Await;
import io.genaibatch.testkit.TestConfig;
import io.genaibatch.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests that grow past Kafka's record limits on their way through the accumulator (hardening #2): on a real broker,
 * with a topic whose max.message.bytes is small, so that a 30 KB request is "near the limit" and the test is cheap.
 * Each test sends a small request, the oversized one and another small one on the same partition: the oversized one
 * must be answered, and the one behind it batched (no stalled partition).
 */
@ExtendWith(KafkaCluster.class)
class RecordLimitsIT {
    private static final String FLASH = "gemini-2.5-flash";
    private static final int SMALL_LIMIT = 20_000;
    private static final String BIG_TEXT = "y".repeat(30_000);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path stateDir;

    @Test
    void shouldRejectARequestTooLargeForTheBatchesTopicAndKeepBatchingItsPartition(KafkaCluster kafka)
            throws Exception {
        GenAiBatchConfig config = config(kafka, "batches-limit");
        Topics topics = Topics.from(config);
        createTopics(config);
        setMaxMessageBytes(config, topics.batches(), SMALL_LIMIT);

        AccumulateRole role = start(config);
        try {
            send(config, List.of(generate("before", "x"), generate("big", BIG_TEXT), generate("after", "x")));

            GenAiResponse big = awaitResponse(config, "big");
            assertThat(big.getStatus()).isEqualTo(ResponseStatus.REJECTED);
            assertThat(big.getError().getCode()).isEqualTo(ErrorCode.REQUEST_TOO_LARGE.code());
            assertThat(big.getError().getMessage())
                    .contains(topics.batches())
                    .contains("max.message.bytes")
                    .contains(Integer.toString(SMALL_LIMIT));
            assertThat(awaitItems(config, List.of("before", "after"))).containsExactlyInAnyOrder("before", "after");
        } finally {
            role.close();
        }
    }

    @Test
    void shouldAnswerARequestThatOutgrewALimitLoweredAfterStartInsteadOfCrashLooping(KafkaCluster kafka)
            throws Exception {
        GenAiBatchConfig config = config(kafka, "lowered-limit");
        Topics topics = Topics.from(config);
        createTopics(config);

        // The limits are learned at start: lowered afterwards, only the production exception handler sees it.
        AccumulateRole role = start(config);
        try {
            send(config, List.of(generate("before", "x")));
            assertThat(awaitItems(config, List.of("before"))).containsExactly("before");
            setMaxMessageBytes(config, topics.batches(), SMALL_LIMIT);
            send(config, List.of(generate("big", BIG_TEXT), generate("after", "x")));

            GenAiResponse big = awaitResponse(config, "big");
            assertThat(big.getStatus()).isEqualTo(ResponseStatus.REJECTED);
            assertThat(big.getError().getCode()).isEqualTo(ErrorCode.REQUEST_TOO_LARGE.code());
            assertThat(big.getError().getMessage()).contains(topics.batches());
            assertThat(awaitItems(config, List.of("before", "after"))).containsExactlyInAnyOrder("before", "after");
            assertThat(role.stopped().toCompletableFuture().isDone())
                    .as("the accumulator still runs")
                    .isFalse();
        } finally {
            role.close();
        }
    }

    @Test
    void shouldDeadLetterARejectedRequestWithoutItsValueWhenTheDlqTakesLessThanTheRequest(KafkaCluster kafka)
            throws Exception {
        GenAiBatchConfig config = config(kafka, "dlq-limit");
        Topics topics = Topics.from(config);
        createTopics(config);
        setMaxMessageBytes(config, topics.dlq(), SMALL_LIMIT);

        AccumulateRole role = start(config);
        try {
            // EMBED takes `content`, not `contents`: refused INVALID_REQUEST, and its raw copy is over the DLQ's limit
            GenAiRequest invalid = GenAiRequest.newBuilder()
                    .setModel("gemini-embedding-001")
                    .setKind(RequestKind.EMBED)
                    .setRequest("{\"contents\":[{\"parts\":[{\"text\":\"" + BIG_TEXT + "\"}]}]}")
                    .setMetadata(Map.of())
                    .setRequestId("big")
                    .build();
            send(config, List.of(generate("before", "x"), invalid, generate("after", "x")));

            GenAiResponse big = awaitResponse(config, "big");
            assertThat(big.getError().getCode()).isEqualTo(ErrorCode.INVALID_REQUEST.code());
            assertThat(awaitItems(config, List.of("before", "after"))).containsExactlyInAnyOrder("before", "after");
            List<ConsumerRecord<byte[], byte[]>> dead = readUntil(config, topics.dlq(), all -> !all.isEmpty());
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).value())
                    .as("the value is left out: it is still in " + topics.requests())
                    .isNull();
            assertThat(header(dead.get(0), "genai.dlq.value-omitted")).contains(Integer.toString(SMALL_LIMIT));
            assertThat(header(dead.get(0), "genai.error.code")).isEqualTo(ErrorCode.INVALID_REQUEST.code());
        } finally {
            role.close();
        }
    }

    // ----- helpers -----

    private GenAiBatchConfig config(KafkaCluster kafka, String name) {
        String prefix = KafkaCluster.uniquePrefix(name);
        Map<String, String> s = TestConfig.settings(kafka.bootstrapServers(), prefix);
        // One partition: the oversized request and the ones around it share it, so a stall would show.
        s.put("topics.partitions", "1");
        s.put("accumulate.application-id", prefix + "accumulator");
        s.put("accumulate.state-dir", stateDir.resolve(name).toString());
        s.put("window.max-wait", "1s");
        return GenAiBatchConfig.of(s);
    }

    private static void createTopics(GenAiBatchConfig config) throws Exception {
        try (Admin admin = new KafkaClients(config).admin()) {
            new TopicAdmin(admin).createMissing(Topics.from(config).specs());
            TopicReadiness.awaitServed(
                    admin,
                    Topics.from(config).specs().stream().map(s -> s.name()).toList(),
                    Duration.ofSeconds(30));
        }
    }

    private static void setMaxMessageBytes(GenAiBatchConfig config, String topic, int bytes) throws Exception {
        try (Admin admin = new KafkaClients(config).admin()) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            admin.incrementalAlterConfigs(Map.of(
                            resource,
                            List.of(new AlterConfigOp(
                                    new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(bytes)),
                                    AlterConfigOp.OpType.SET))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            Await.until(
                    "max.message.bytes of " + topic + " applied",
                    Duration.ofSeconds(30),
                    () -> new TopicAdmin(admin)
                            .config(topic, TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Duration.ofSeconds(10)),
                    java.util.Optional.of(Integer.toString(bytes))::equals);
        }
    }

    private static AccumulateRole start(GenAiBatchConfig config) throws Exception {
        AccumulateRole role = new AccumulateRole(config, new AccumulatorCounters(), Map.of());
        role.start();
        role.awaitRunning(Duration.ofSeconds(60));
        return role;
    }

    private static GenAiRequest generate(String requestId, String text) {
        return GenAiRequest.newBuilder()
                .setModel(FLASH)
                .setKind(RequestKind.GENERATE)
                .setRequest("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + text + "\"}]}]}")
                .setMetadata(Map.of())
                .setRequestId(requestId)
                .build();
    }

    private static void send(GenAiBatchConfig config, List<GenAiRequest> requests) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                new KafkaClients(config).properties(Map.of("acks", "all")),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (GenAiRequest r : requests) {
                producer.send(new ProducerRecord<>(
                                Topics.from(config).requests(),
                                ("key-" + r.getRequestId()).getBytes(),
                                RecordCodec.genAiRequest().encode(r, ValueFormat.AVRO)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static GenAiResponse awaitResponse(GenAiBatchConfig config, String requestId) {
        RecordCodec<GenAiResponse> codec = RecordCodec.genAiResponse();
        List<ConsumerRecord<byte[], byte[]>> all = readUntil(
                config,
                Topics.from(config).responses(),
                records -> records.stream()
                        .anyMatch(r -> codec.decode(r.value()).getRequestId().equals(requestId)));
        List<GenAiResponse> mine = all.stream()
                .map(r -> codec.decode(r.value()))
                .filter(r -> r.getRequestId().equals(requestId))
                .toList();
        assertThat(mine).as("responses to " + requestId).hasSize(1);
        return mine.get(0);
    }

    /** The requestIds of the items on genai.batches once all of {@code expected} are there. */
    private static List<String> awaitItems(GenAiBatchConfig config, List<String> expected) {
        RecordCodec<BatchRecord> codec = RecordCodec.batchRecord();
        List<ConsumerRecord<byte[], byte[]>> all = readUntil(
                config,
                Topics.from(config).batches(),
                records -> records.stream()
                        .map(r -> codec.decode(r.value()))
                        .filter(b -> b.getItem() != null)
                        .map(b -> b.getItem().getRequestId())
                        .toList()
                        .containsAll(expected));
        return all.stream()
                .map(r -> codec.decode(r.value()))
                .filter(b -> b.getItem() != null)
                .map(b -> b.getItem().getRequestId())
                .toList();
    }

    /** Every committed record of the topic, read from the start until {@code done} holds (fails after WAIT). */
    private static List<ConsumerRecord<byte[], byte[]>> readUntil(
            GenAiBatchConfig config, String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        return TopicReader.readUntil(
                new KafkaClients(config).properties(Map.of()), topic, done, "what the test waits for", WAIT);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
        Header h = record.headers().lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
