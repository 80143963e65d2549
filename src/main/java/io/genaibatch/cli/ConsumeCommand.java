package io.genaibatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.GenAiResponse;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "consume",
        mixinStandardHelpOptions = true,
        header = "Print genai.responses as JSON lines.",
        description = "Reads genai.responses with read_committed and prints one JSON line per record: "
                + "{\"key\": ..., \"partition\": n, \"offset\": n, \"headers\": {...}, \"value\": {GenAiResponse}}. "
                + "Values that cannot be decoded are reported on stderr with their partition and offset, and skipped.")
final class ConsumeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--max", paramLabel = "N", description = "Stop after N records (default: no limit).")
    Long max;

    @Option(
            names = "--idle-timeout",
            defaultValue = "0s",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Stop when nothing arrives for this long; 0s waits forever (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(
            names = "--group",
            paramLabel = "ID",
            description = "Consumer group to commit progress in (after each record printed or skipped, so the next run "
                    + "goes on from there); default: none, read from the beginning each time.")
    String group;

    @Override
    public Integer call() {
        GenAiBatchConfig config = options.load();
        String topic = Topics.from(config).responses();
        RecordCodec<GenAiResponse> codec = RecordCodec.genAiResponse();
        ObjectMapper json = new ObjectMapper();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> specific = new HashMap<>(Map.of(
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.CLIENT_ID_CONFIG, "genai-batch-consume"));
        if (group != null) {
            specific.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        // No auto commit (fixed for every consumer): it would commit the position after records fetched but not
        // printed when --max stops mid-poll, and the group's next run would skip them.
        Map<String, Object> props = new KafkaClients(config).consumer(specific);
        Map<TopicPartition, OffsetAndMetadata> handled = new HashMap<>();
        long printed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            if (group != null) {
                consumer.subscribe(List.of(topic));
            } else {
                consumer.assign(consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition()))
                        .toList());
            }
            long lastRecord = System.nanoTime();
            while (max == null || printed < max) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    if (!idleTimeout.isZero() && System.nanoTime() - lastRecord > idleTimeout.toNanos()) {
                        break;
                    }
                    continue;
                }
                lastRecord = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    try {
                        out.println(line(json, r, codec.decode(r.value()), codec));
                        printed++;
                    } catch (RecordDecodingException e) {
                        err.println(topic + "-" + r.partition() + "@" + r.offset() + ": skipped: " + e.getMessage());
                    }
                    handled.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    if (max != null && printed >= max) {
                        break;
                    }
                }
                out.flush();
                if (group != null) {
                    consumer.commitSync(handled);
                }
                handled.clear();
            }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static String line(
            ObjectMapper json,
            ConsumerRecord<byte[], byte[]> r,
            GenAiResponse value,
            RecordCodec<GenAiResponse> codec) {
        ObjectNode node = json.createObjectNode();
        node.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
        node.put("partition", r.partition());
        node.put("offset", r.offset());
        ObjectNode headers = node.putObject("headers");
        for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? null : printable(h.value()));
        }
        try {
            node.set("value", json.readTree(codec.encode(value, ValueFormat.JSON)));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("JSON written by our own codec did not parse", e);
        }
        return node.toString();
    }

    /** Header values are bytes: shown as text when they are valid UTF-8 text, else as base64:... */
    private static String printable(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        boolean clean = java.util.Arrays.equals(text.getBytes(StandardCharsets.UTF_8), bytes)
                && text.chars().noneMatch(c -> c < 0x20 && c != '\t');
        return clean ? text : "base64:" + Base64.getEncoder().encodeToString(bytes);
    }
}
