package io.genaibatch.accumulate;

import io.genaibatch.config.FixedKafkaSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads held requests back from genai.requests with a plain consumer: no group (assign and seek; nothing is
 * committed, the validate task's own offsets are Kafka Streams'), {@code read_committed} like the Streams
 * application, {@code auto.offset.reset=none} so that an offset deleted by retention is reported, not silently
 * replaced by another one.
 */
final class KafkaHeldRecordReader implements HeldRecordReader {
    /** Seek instead of reading through when the next wanted offset is this far ahead (other models' records). */
    private static final long SEEK_GAP = 1_000;

    private static final Duration POLL = Duration.ofMillis(200);

    private final String topic;
    private final Map<String, Object> properties;
    private Consumer<byte[], byte[]> consumer;

    /** @param clientProperties the accumulator's client settings (bootstrap, security); the reader adds its own */
    KafkaHeldRecordReader(String topic, Map<String, Object> clientProperties, String clientId) {
        this.topic = topic;
        Map<String, Object> props = new HashMap<>(clientProperties);
        // This consumer must not join or commit for a group. group.id cannot come through kafka.properties.* (refused
        // at load), but group.instance.id can, and a caller may pass properties that carry either.
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.putAll(FixedKafkaSettings.consumer());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        // Offset look-ups fail fast rather than hold the punctuation, and the thread's transaction, open (broker away).
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        this.properties = props;
    }

    @Override
    public Read read(int partition, List<Long> offsets, long deadline) {
        Map<Long, HeldRecord> found = new HashMap<>();
        if (offsets.isEmpty()) {
            return new Read(found, -1);
        }
        TopicPartition tp = new TopicPartition(topic, partition);
        Consumer<byte[], byte[]> c = consumer();
        c.assign(List.of(tp));
        long start = c.beginningOffsets(List.of(tp)).get(tp);
        long end = c.endOffsets(List.of(tp)).get(tp); // the last stable offset: read_committed
        List<Long> wanted = new ArrayList<>();
        for (long o : offsets) {
            // Below the log start: deleted. At or past the end: not this record (the topic was recreated).
            if (o >= start && o < end) {
                wanted.add(o);
            }
        }
        int next = 0;
        long position = -1;
        while (next < wanted.size()) {
            if (System.nanoTime() > deadline) {
                // Time is up: what was looked for so far is answered, the rest stays held for the next punctuation.
                return new Read(found, wanted.get(next) - 1);
            }
            long target = wanted.get(next);
            if (position < 0 || position > target || target - position > SEEK_GAP) {
                c.seek(tp, target);
            }
            List<ConsumerRecord<byte[], byte[]>> records;
            try {
                records = c.poll(POLL).records(tp);
            } catch (OffsetOutOfRangeException e) {
                // Retention deleted the segment meanwhile: the offsets now below the log start are lost.
                long newStart = c.beginningOffsets(List.of(tp)).get(tp);
                while (next < wanted.size() && wanted.get(next) < newStart) {
                    next++;
                }
                position = -1;
                continue;
            }
            for (ConsumerRecord<byte[], byte[]> r : records) {
                while (next < wanted.size() && wanted.get(next) < r.offset()) {
                    next++; // skipped by the log (not a committed record any more): lost
                }
                if (next < wanted.size() && wanted.get(next) == r.offset()) {
                    found.put(r.offset(), new HeldRecord(r.offset(), r.key(), r.value(), r.headers(), r.timestamp()));
                    next++;
                }
            }
            position = c.position(tp);
            if (position >= end) {
                break; // read to the end: what was not found is not there
            }
        }
        return new Read(found, offsets.get(offsets.size() - 1));
    }

    private Consumer<byte[], byte[]> consumer() {
        if (consumer == null) {
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
        return consumer;
    }

    @Override
    public void close() {
        if (consumer != null) {
            consumer.close(); // no group: nothing to leave or commit, so it is quick
            consumer = null;
        }
    }
}
