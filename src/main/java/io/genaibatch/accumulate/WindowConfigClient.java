package io.genaibatch.accumulate;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.ReadToEnd;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.Topics;
import io.genaibatch.records.WindowPolicy;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Reads and writes genai.window-config from outside the Streams application ({@code config set|get|list|unset}). */
public final class WindowConfigClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final RecordCodec<WindowPolicy> CODEC = RecordCodec.windowPolicy();

    private final GenAiBatchConfig config;
    private final String topic;

    public WindowConfigClient(GenAiBatchConfig config) {
        this.config = config;
        this.topic = Topics.from(config).windowConfig();
    }

    /** What the topic holds: the latest valid record per key, and the records that the accumulator ignores. */
    public record Snapshot(Map<String, WindowPolicy> policies, List<String> ignored) {}

    /** Reads the whole (small, compacted) topic up to its current end. */
    public Snapshot read() throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Object> props = new HashMap<>(Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "genai-batch-config"));
        Map<String, WindowPolicy> policies = new TreeMap<>();
        Map<String, String> ignored = new TreeMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                new KafkaClients(config).consumer(props), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = ReadToEnd.partitions(consumer, topic, TIMEOUT);
            if (partitions.isEmpty()) {
                throw new TimeoutException("topic " + topic + " does not exist: run `genai-batch topics create` first");
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
            ReadToEnd.Result read =
                    ReadToEnd.read(consumer, end, ReadToEnd.Limit.within(TIMEOUT), r -> apply(r, policies, ignored));
            if (!read.reached()) {
                throw new TimeoutException("could not read " + topic + " to its end within " + TIMEOUT.toSeconds()
                        + " s (" + read.firstBehind() + ")");
            }
        }
        return new Snapshot(
                policies,
                ignored.entrySet().stream()
                        .map(e -> e.getKey() + ": " + e.getValue())
                        .toList());
    }

    /** The same rules as the accumulator's global store: invalid records are skipped, the previous value stays. */
    private static void apply(
            ConsumerRecord<String, byte[]> r, Map<String, WindowPolicy> policies, Map<String, String> ignored) {
        if (r.key() == null) {
            return;
        }
        if (r.value() == null) {
            policies.remove(r.key());
            ignored.remove(r.key());
            return;
        }
        try {
            WindowPolicy policy = CODEC.decode(r.value());
            List<String> problems = WindowPolicyValidator.problems(r.key(), policy);
            if (problems.isEmpty()) {
                policies.put(r.key(), policy);
                ignored.remove(r.key());
            } else {
                ignored.put(r.key(), "offset " + r.offset() + " ignored: " + String.join("; ", problems));
            }
        } catch (RuntimeException e) {
            ignored.put(r.key(), "offset " + r.offset() + " ignored: " + e.getMessage());
        }
    }

    /** Writes (or, with null, deletes) the policy of a key and waits for the broker's acknowledgement. */
    public void write(String key, WindowPolicy policy)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Object> props = Map.of(ProducerConfig.CLIENT_ID_CONFIG, "genai-batch-config");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                new KafkaClients(config).producer(props), new StringSerializer(), new ByteArraySerializer())) {
            byte[] value = policy == null ? null : CODEC.encode(policy, AccumulatorTopology.formatOf(config));
            producer.send(new ProducerRecord<>(topic, key, value)).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Every model that has a policy: those named in the config file and on the topic, plus * (all the others). */
    public static Set<String> models(WindowPolicies policies, Snapshot snapshot) {
        Set<String> models = new java.util.TreeSet<>(policies.fileModels());
        models.addAll(snapshot.policies().keySet());
        models.remove(Models.ALL);
        return models.stream().collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }
}
