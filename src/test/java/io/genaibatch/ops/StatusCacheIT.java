package io.genaibatch.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.records.Usage;
import io.genaibatch.run.OpenBatches;
import io.genaibatch.testkit.Await;
import io.genaibatch.testkit.TestConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The status page's reading of genai.responses, on the broker. */
@ExtendWith(KafkaCluster.class)
class StatusCacheIT {

    /** Review-15 D12: partitions added to genai.responses while the page runs were never read. */
    @Test
    void shouldCountResponsesOnPartitionsAddedToTheTopicWhileThePageRuns(KafkaCluster kafka) throws Exception {
        Map<String, String> settings =
                TestConfig.settings(kafka.bootstrapServers(), KafkaCluster.uniquePrefix("status"));
        settings.put("topics.partitions", "1");
        settings.put("http.refresh-interval", "1s");
        // The consumer learns of added partitions from its metadata, refreshed this often (5 minutes by default).
        settings.put("kafka.properties.metadata.max.age.ms", "1000");
        GenAiBatchConfig config = TestConfig.withTopics(settings);
        String responses = Topics.from(config).responses();
        StatusCache cache = new StatusCache(config, WindowPolicyReader.NONE, () -> OpenBatches.unknown("none here"));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                new KafkaClients(config).properties(Map.of()), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(response(responses, 0, "before")).get();
            Await.until("the first response counted", Duration.ofSeconds(30), () -> requests(cache) == 1);

            try (Admin admin = new KafkaClients(config).admin()) {
                admin.createPartitions(Map.of(responses, NewPartitions.increaseTo(2)))
                        .all()
                        .get();
            }
            producer.send(response(responses, 1, "after")).get();

            Await.until(
                    "the response on the added partition counted", Duration.ofSeconds(30), () -> requests(cache) == 2);
            // Nothing read twice: a few more refreshes (1 s apart) leave the count as it is.
            Thread.sleep(3_000);
            assertThat(requests(cache)).isEqualTo(2);
        } finally {
            cache.close();
        }
    }

    private static long requests(StatusCache cache) {
        return cache.current()
                .map(s -> UsageLedger.total(s.usageTotal()).requests())
                .orElse(0L);
    }

    private static ProducerRecord<byte[], byte[]> response(String topic, int partition, String requestId) {
        GenAiResponse response = GenAiResponse.newBuilder()
                .setRequestId(requestId)
                .setStatus(ResponseStatus.SUCCEEDED)
                .setModel("gemini-2.5-flash")
                .setUsage(new Usage(10L, 5L, 15L))
                .setCompletedAt(Instant.now())
                .build();
        return new ProducerRecord<>(
                topic,
                partition,
                requestId.getBytes(StandardCharsets.UTF_8),
                RecordCodec.genAiResponse().encode(response, ValueFormat.AVRO));
    }
}
