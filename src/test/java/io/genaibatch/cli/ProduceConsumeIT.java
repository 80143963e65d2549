package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaCluster.class)
class ProduceConsumeIT {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void shouldPublishEveryGoodLineAndReportBadOnesByLineNumber(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        // Step 1: topics, and a seed file with good lines and three bad ones
        String prefix = KafkaCluster.uniquePrefix("produce");
        List<String> common = CliRunner.isolatedTopics(kafka, prefix);
        assertThat(CliRunner.run(with(common, "topics", "create")).exitCode()).isZero();
        Path file = dir.resolve("requests.jsonl");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "{\"key\": \"k-1\", \"request\": {\"contents\": [{\"parts\": [{\"text\": \"héllo\"}]}]}}",
                        "{\"key\": \"k-2\", \"request\": {\"contents\": [{\"parts\": [{\"text\": \"two\"}]}]}, \"metadata\": {\"team\": \"a\"}}",
                        "this is not json",
                        "{\"request\": {\"contents\": []}}",
                        "",
                        "{\"key\": \"k-3\", \"kind\": \"EMBED\", \"model\": \"gemini-embedding-001\", \"request\": {\"content\": {\"parts\": [{\"text\": \"v\"}]}}}",
                        "{\"key\": \"k-4\", \"kind\": \"CHAT\", \"request\": {}}"));

        // Step 2: produce
        CliRunner.Result result =
                CliRunner.run(with(common, "produce", "--file", file.toString(), "--model", "gemini-2.5-flash"));

        // Step 3: exit 3, each bad line named, every good line on the topic with its key
        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.out()).contains("Published 3 requests to " + prefix + "requests; skipped 3 bad lines");
        assertThat(result.err())
                .contains("requests.jsonl:3: skipped: not valid JSON")
                .contains("requests.jsonl:4: skipped: missing \"key\"")
                .contains("requests.jsonl:7: skipped: \"kind\" must be GENERATE or EMBED, found \"CHAT\"");
        Map<String, GenAiRequest> published = new java.util.TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(kafka, prefix + "requests", 3)) {
            published.put(
                    new String(r.key(), StandardCharsets.UTF_8),
                    RecordCodec.genAiRequest().decode(r.value()));
        }
        assertThat(published).containsOnlyKeys("k-1", "k-2", "k-3");
        assertThat(published.get("k-1").getModel()).isEqualTo("gemini-2.5-flash");
        assertThat(json.readTree(published.get("k-1").getRequest())
                        .at("/contents/0/parts/0/text")
                        .asText())
                .isEqualTo("héllo");
        assertThat(published.get("k-2").getMetadata()).containsEntry("team", "a");
        assertThat(published.get("k-3").getKind()).isEqualTo(RequestKind.EMBED);
        assertThat(published.get("k-3").getModel()).isEqualTo("gemini-embedding-001");
    }

    @Test
    void shouldPrintResponsesAsJsonLinesWithKeyHeadersAndNestedResponse(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("consume");
        List<String> common = CliRunner.isolatedTopics(kafka, prefix);
        assertThat(CliRunner.run(with(common, "topics", "create")).exitCode()).isZero();
        GenAiResponse response = GenAiResponse.newBuilder()
                .setRequestId("r-1")
                .setStatus(ResponseStatus.SUCCEEDED)
                .setResponse("{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"echo: hi\"}]}}]}")
                .setModel("gemini-2.5-flash")
                .setMetadata(Map.of("team", "a"))
                .setCompletedAt(java.time.Instant.parse("2026-11-25T10:00:00Z"))
                .build();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                    prefix + "responses",
                    0,
                    "k-1".getBytes(),
                    RecordCodec.genAiResponse().encode(response, ValueFormat.AVRO));
            record.headers().add("correlation-id", "c-42".getBytes());
            producer.send(record).get();
            producer.send(new ProducerRecord<>(prefix + "responses", 0, "k-bad".getBytes(), new byte[] {1, 2, 3}))
                    .get();
        }

        CliRunner.Result result = CliRunner.run(with(common, "consume", "--idle-timeout", "3s"));

        assertThat(result.exitCode()).isZero();
        assertThat(result.out().lines()).hasSize(1);
        JsonNode line = json.readTree(result.out().lines().findFirst().orElseThrow());
        assertThat(line.get("key").asText()).isEqualTo("k-1");
        assertThat(line.at("/headers/correlation-id").asText()).isEqualTo("c-42");
        assertThat(line.at("/value/status").asText()).isEqualTo("SUCCEEDED");
        assertThat(line.at("/value/response/candidates/0/content/parts/0/text").asText())
                .isEqualTo("echo: hi");
        assertThat(result.err()).contains(prefix + "responses-0@1: skipped:");
    }

    @Test
    void shouldResumeAGroupAfterTheLastPrintedRecordWhenStoppedByMax(KafkaCluster kafka) throws Exception {
        // Step 1: ten responses on one partition, so that a poll fetches more than --max prints
        String prefix = KafkaCluster.uniquePrefix("consume-group");
        List<String> common = CliRunner.isolatedTopics(kafka, prefix);
        assertThat(CliRunner.run(with(common, "topics", "create")).exitCode()).isZero();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 1; i <= 10; i++) {
                GenAiResponse response = GenAiResponse.newBuilder()
                        .setRequestId("r-" + i)
                        .setStatus(ResponseStatus.SUCCEEDED)
                        .setResponse("{}")
                        .setModel("gemini-2.5-flash")
                        .setCompletedAt(java.time.Instant.parse("2026-11-25T10:00:00Z"))
                        .build();
                producer.send(new ProducerRecord<>(
                                prefix + "responses",
                                0,
                                ("k-" + i).getBytes(),
                                RecordCodec.genAiResponse().encode(response, ValueFormat.AVRO)))
                        .get();
            }
        }

        // Step 2: the same group twice, three records each time
        CliRunner.Result first =
                CliRunner.run(with(common, "consume", "--group", prefix + "g", "--max", "3", "--idle-timeout", "10s"));
        CliRunner.Result second =
                CliRunner.run(with(common, "consume", "--group", prefix + "g", "--max", "3", "--idle-timeout", "10s"));

        // Step 3: the second run goes on after the last record the first one printed, skipping none
        assertThat(first.exitCode()).isZero();
        assertThat(second.exitCode()).isZero();
        assertThat(requestIds(first)).containsExactly("r-1", "r-2", "r-3");
        assertThat(requestIds(second))
                .as("records fetched but not printed by the first run")
                .containsExactly("r-4", "r-5", "r-6");
    }

    private List<String> requestIds(CliRunner.Result result) {
        return result.out()
                .lines()
                .map(l -> {
                    try {
                        return json.readTree(l).at("/value/requestId").asText();
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(l, e);
                    }
                })
                .toList();
    }

    private static String[] with(List<String> common, String... command) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(common);
        return all.toArray(String[]::new);
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaCluster kafka, String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> seen = TopicReader.readUntil(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                topic,
                all -> all.size() >= expected,
                expected + " records",
                Duration.ofSeconds(30));
        assertThat(seen).as("records on %s", topic).hasSize(expected);
        return seen;
    }
}
