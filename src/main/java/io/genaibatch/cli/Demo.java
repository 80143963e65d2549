package io.genaibatch.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.GenAiRequest;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * `local --demo N`: publishes N sample requests and checks that every one made it through, exactly once.
 * Until the accumulator, submitter and poller are in place, "through" means: on genai.requests, read back
 * read_committed, each key exactly once and decodable.
 */
final class Demo {
    private static final Duration WAIT = Duration.ofMinutes(2);

    private final LocalStack stack;
    private final PrintWriter out;

    Demo(LocalStack stack, PrintWriter out) {
        this.stack = stack;
        this.out = out;
    }

    int run(int count) throws Exception {
        GenAiBatchConfig config = stack.config();
        KafkaClients clients = new KafkaClients(config);
        String topic = Topics.from(config).requests();
        String runId = UUID.randomUUID().toString().substring(0, 8);
        long started = System.nanoTime();

        Map<TopicPartition, Long> from = endOffsets(clients, topic);
        publish(clients, topic, runId, count);
        out.printf("Published %,d demo requests (run %s) to %s as %s%n", count, runId, topic,
                clients.valueFormat().name().toLowerCase(java.util.Locale.ROOT));
        out.flush();

        Map<String, Integer> seen = readBack(clients, topic, from, "demo-" + runId + "-", count);
        long duplicates = seen.values().stream().filter(n -> n > 1).count();
        Map<String, Integer> byModel = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            byModel.merge(DemoRequests.make(runId, i).request().getModel(), 1, Integer::sum);
        }
        out.printf("%nSummary%n");
        byModel.forEach((model, n) -> out.printf("  %-24s %,6d requests%n", model, n));
        out.printf("  read back exactly once  %,6d of %,d%n", seen.values().stream().filter(n -> n == 1).count(), count);
        out.printf("  duplicates              %,6d%n", duplicates);
        out.printf("  elapsed                 %6.1f s%n", (System.nanoTime() - started) / 1e9);
        boolean ok = seen.size() == count && duplicates == 0;
        out.println(ok ? "Demo OK: every request went through exactly once."
                : "Demo FAILED: " + (count - seen.size()) + " requests missing, " + duplicates + " duplicated.");
        out.flush();
        return ok ? 0 : 1;
    }

    private void publish(KafkaClients clients, String topic, String runId, int count) throws Exception {
        RecordCodec<GenAiRequest> codec = RecordCodec.genAiRequest();
        ValueFormat format = clients.valueFormat();
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(clients.properties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.CLIENT_ID_CONFIG, "genai-batch-demo")), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count && failure.get() == null; i++) {
                DemoRequests.Demo demo = DemoRequests.make(runId, i);
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic,
                        demo.key().getBytes(StandardCharsets.UTF_8), codec.encode(demo.request(), format));
                record.headers().add("correlation-id", demo.key().getBytes(StandardCharsets.UTF_8));
                producer.send(record, (m, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private static Map<TopicPartition, Long> endOffsets(KafkaClients clients, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(clients)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            return consumer.endOffsets(partitions);
        }
    }

    private Map<String, Integer> readBack(KafkaClients clients, String topic, Map<TopicPartition, Long> from,
                                          String keyPrefix, int count) {
        RecordCodec<GenAiRequest> codec = RecordCodec.genAiRequest();
        Map<String, Integer> seen = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(clients)) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (seen.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (key.startsWith(keyPrefix)) {
                        codec.decode(r.value());
                        seen.merge(key, 1, Integer::sum);
                    }
                }
            }
        }
        return seen;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(KafkaClients clients) {
        return new KafkaConsumer<>(clients.properties(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.CLIENT_ID_CONFIG, "genai-batch-demo")), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
