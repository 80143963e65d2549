package io.genaibatch.accumulate;

import io.genaibatch.accumulate.HeldRecordReader.HeldRecord;
import io.genaibatch.accumulate.HeldRequestsLostException.Problem;
import io.genaibatch.accumulate.HeldRequestsLostException.Reason;
import io.genaibatch.batch.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The held requests of one validate task (one genai.requests partition). A request of a disabled model stays in
 * genai.requests: the task commits past it like any other (models share partitions; not committing would stop every
 * model behind it) and keeps only a pointer in a changelogged store, written in the same transaction as the input
 * offset. Key: model + zero-padded offset, so one prefix scan gives a model's pointers in arrival order. Value: the
 * record's key and timestamp (a few dozen bytes, never the payload), which also tell at release that the record
 * read back is the one that was held.
 *
 * <p>Release, from the task's once-a-second punctuation, for each enabled model: the oldest pointers (at most
 * {@code releasePerPunctuation}) are read back from genai.requests, handed to a {@link Releaser} (re-validate and
 * forward, as for a fresh request), and deleted. Under exactly_once_v2 the forwards and the deletes commit together.
 * Not thread-safe: one per processor instance.
 */
final class HeldRequests {
    /** Held requests released per model and punctuation: bounds one transaction while draining a backlog. */
    static final int RELEASE_PER_PUNCTUATION = 10_000;
    /**
     * How long one release (all models of a task) may read genai.requests: it runs in the punctuation, with the stream
     * thread's transaction open; what it does not reach stays held, in order, for the next punctuation.
     */
    static final Duration RELEASE_TIME = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(HeldRequests.class);
    private static final StringSerializer KEY_SERIALIZER = new StringSerializer();

    /** Validates a released record and forwards it downstream; returns null, or why it cannot be batched. */
    interface Releaser {
        Problem forward(String model, HeldRecord record);
    }

    private final KeyValueStore<String, Pointer> store;
    private final String topic;
    private final int partition;
    private final Duration configuredRetention;
    private final AccumulatorMetrics metrics;
    private final HeldRecordReader.Factory readers;
    private final int releasePerPunctuation;
    /**
     * Pointers per model in this task, so that deciding whether a request queues behind held ones costs no store
     * read. Rebuilt from the store when the task starts; the store and this map change together, and a failed
     * transaction closes the task (its processor is created again), so they cannot drift apart.
     */
    private final Map<String, Long> counts = new TreeMap<>();

    private HeldRecordReader reader;

    HeldRequests(
            KeyValueStore<String, Pointer> store,
            String topic,
            int partition,
            Duration configuredRetention,
            AccumulatorMetrics metrics,
            HeldRecordReader.Factory readers,
            int releasePerPunctuation) {
        this.store = store;
        this.topic = topic;
        this.partition = partition;
        this.configuredRetention = configuredRetention;
        this.metrics = metrics;
        this.readers = readers;
        this.releasePerPunctuation = releasePerPunctuation;
        try (KeyValueIterator<String, Pointer> it = store.all()) {
            it.forEachRemaining(kv -> counts.merge(modelOf(kv.key), 1L, Long::sum));
        }
        counts.forEach((model, n) -> log.info(
                "{} requests of model {} held in {}-{} (pointers restored from the store)",
                n,
                model,
                topic,
                partition));
    }

    /** Whether the model has held requests here: its new requests must queue behind them to keep arrival order. */
    boolean holding(String model) {
        return counts.containsKey(model);
    }

    /** Holds the (validated) request at {@code offset} of this task's partition. */
    void hold(String model, long offset, byte[] key, long timestamp) {
        store.put(storeKey(model, offset), new Pointer(key, timestamp));
        long count = counts.merge(model, 1L, Long::sum);
        if (count == 1) {
            log.info(
                    "Holding requests of model {} from {}-{} (window.enabled=false): they stay in {}, only a pointer is kept, "
                            + "and they are released in arrival order when the model is enabled again. A request held longer "
                            + "than the retention of {} (retention.ms; topics.retention={} when genai-batch created it) is deleted "
                            + "by Kafka and lost.",
                    model,
                    topic,
                    partition,
                    topic,
                    topic,
                    configuredRetention);
        }
        AccumulateProcessor.afterEffects(() -> metrics.requestHeld(model, partition, count));
    }

    /**
     * Releases up to releasePerPunctuation of the oldest held requests of every enabled model.
     *
     * @throws HeldRequestsLostException after everything else, when some could not be read back: they are to be
     *                                   answered (RejectionHandler does it from Kafka Streams' exception handler).
     *                                   Also when the release failed part-way after finding lost ones: their pointers
     *                                   are deleted in this transaction, so their answers must go in it too.
     */
    void release(Predicate<String> enabled, Releaser releaser) {
        List<HeldRequestsLostException.Lost> lost = new ArrayList<>();
        long deadline = System.nanoTime() + RELEASE_TIME.toNanos();
        try {
            for (String model : List.copyOf(counts.keySet())) {
                if (enabled.test(model) && System.nanoTime() < deadline) {
                    releaseModel(model, releaser, lost, deadline);
                }
            }
        } catch (StreamsException e) {
            throw e; // the task fails and its transaction aborts: the pointer deletes are undone with it
        } catch (RuntimeException e) {
            if (lost.isEmpty()) {
                throw e;
            }
            log.error(
                    "Releasing held requests of {}-{} failed part-way; the {} found lost are answered now, the rest is "
                            + "tried again at the next punctuation",
                    topic,
                    partition,
                    lost.size(),
                    e);
            throw new HeldRequestsLostException(lost, e);
        }
        if (counts.isEmpty()) {
            closeReader(); // nothing left to read back: no idle consumer (and connection) per task
        }
        if (!lost.isEmpty()) {
            throw new HeldRequestsLostException(lost, null);
        }
    }

    private void releaseModel(
            String model, Releaser releaser, List<HeldRequestsLostException.Lost> lostOnes, long deadline) {
        List<KeyValue<String, Pointer>> oldest = new ArrayList<>();
        try (KeyValueIterator<String, Pointer> it = store.prefixScan(model + "/", KEY_SERIALIZER)) {
            while (it.hasNext() && oldest.size() < releasePerPunctuation) {
                oldest.add(it.next());
            }
        }
        List<Long> offsets = oldest.stream().map(kv -> offsetOf(kv.key)).toList();
        // Read this model's records first: a failure here changes nothing of this model.
        HeldRecordReader.Read read;
        try {
            if (reader == null) {
                reader = readers.open(partition);
            }
            read = reader.read(partition, offsets, deadline);
        } catch (RuntimeException e) {
            closeReader();
            throw e;
        }
        int released = 0;
        int lost = 0;
        for (KeyValue<String, Pointer> held : oldest) {
            long offset = offsetOf(held.key);
            if (offset > read.readThrough()) {
                break; // not reached in this punctuation's time: stays held, in order, for the next one
            }
            HeldRecord record = read.records().get(offset);
            Problem problem;
            if (record == null) {
                problem = new Problem(
                        Reason.RETENTION,
                        "it is no longer in " + topic + " (below the log start: deleted by retention)");
            } else if (!Arrays.equals(record.key(), held.value.key()) || record.timestamp() != held.value.timestamp()) {
                problem = new Problem(
                        Reason.REPLACED,
                        "the record now at that offset is another one (key or timestamp differ: was the topic recreated?)");
            } else {
                problem = releaser.forward(model, record);
            }
            store.delete(held.key);
            // Counted per pointer, not once at the end: a releaser that throws leaves the count right for those done.
            counts.computeIfPresent(model, (m, n) -> n == 1 ? null : n - 1);
            if (problem == null) {
                released++;
            } else {
                lost++;
                log.error(
                        "Held request of model {} at {}-{} offset {} (key {}) cannot be batched: {}. It is answered "
                                + "with an ERROR response ({}).",
                        model,
                        topic,
                        partition,
                        offset,
                        printable(held.value.key()),
                        problem.why(),
                        ErrorCode.HELD_REQUEST_LOST.code());
                lostOnes.add(new HeldRequestsLostException.Lost(
                        model, topic, partition, offset, held.value.key(), held.value.timestamp(), problem));
                AccumulateProcessor.afterEffects(() -> metrics.heldRequestLost(model, partition, offset));
            }
        }
        long left = counts.getOrDefault(model, 0L);
        log.info(
                "Released {} held requests of model {} from {}-{}{}; {} still held",
                released,
                model,
                topic,
                partition,
                lost == 0 ? "" : " (" + lost + " lost)",
                left);
    }

    void close() {
        closeReader();
    }

    private void closeReader() {
        if (reader != null) {
            try {
                reader.close();
            } catch (RuntimeException e) {
                log.warn("Closing the held-request reader of {}-{} failed: {}", topic, partition, e.toString());
            }
            reader = null;
        }
    }

    /** Zero-padded so that a model's keys sort in offset order; a model name has no '/'. */
    static String storeKey(String model, long offset) {
        return model + "/" + String.format("%019d", offset);
    }

    private static String modelOf(String storeKey) {
        return storeKey.substring(0, storeKey.lastIndexOf('/'));
    }

    private static long offsetOf(String storeKey) {
        return Long.parseLong(storeKey.substring(storeKey.lastIndexOf('/') + 1));
    }

    /** The key as text when it is UTF-8, else hex: keys are bytes. */
    private static String printable(byte[] key) {
        try {
            CharBuffer text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(key));
            return "'" + text + "'";
        } catch (CharacterCodingException e) {
            return "0x" + HexFormat.of().formatHex(key);
        }
    }

    /**
     * What is kept per held request: the record's key and timestamp. The key array is compared by content where it
     * matters (the record's equals is by reference and unused).
     */
    record Pointer(byte[] key, long timestamp) {
        private static final byte VERSION = 1;

        /** Version byte, timestamp, key bytes. */
        static Serde<Pointer> serde() {
            Serializer<Pointer> serializer = (topic, p) -> p == null
                    ? null
                    : ByteBuffer.allocate(1 + 8 + p.key().length)
                            .put(VERSION)
                            .putLong(p.timestamp())
                            .put(p.key())
                            .array();
            Deserializer<Pointer> deserializer = (topic, data) -> {
                if (data == null) {
                    return null;
                }
                if (data.length < 9 || data[0] != VERSION) {
                    throw new IllegalArgumentException(
                            "not a held-request pointer of version " + VERSION + " (" + data.length + " bytes)");
                }
                ByteBuffer in = ByteBuffer.wrap(data);
                in.get();
                long timestamp = in.getLong();
                byte[] key = new byte[in.remaining()];
                in.get(key);
                return new Pointer(key, timestamp);
            };
            return Serdes.serdeFrom(serializer, deserializer);
        }
    }
}
