package io.genaibatch.accumulate;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;

/**
 * Reads held requests back from genai.requests when they are released. Behind an interface so that
 * TopologyTestDriver tests can serve the records they piped; {@link KafkaHeldRecordReader} reads the broker.
 * One per validate task, used from its stream thread only.
 */
interface HeldRecordReader extends AutoCloseable {

    /**
     * The records of genai.requests partition {@code partition} at {@code offsets} (ascending), read committed. Stops
     * early once {@code deadlineNanos} ({@link System#nanoTime()}) has passed: see {@link Read}. Throws when the topic
     * cannot be read now (what this release already did is kept, and the rest is tried at the next punctuation).
     */
    Read read(int partition, List<Long> offsets, long deadlineNanos);

    /**
     * @param records the records found, by offset
     * @param readThrough the offsets up to this one were all looked for: one of them missing from {@code records}
     *                    has no record any more (below the log start: deleted by retention). Offsets after it were
     *                    not reached and stay held.
     */
    record Read(Map<Long, HeldRecord> records, long readThrough) {}

    @Override
    void close();

    /** A record read back; key, value and headers exactly as the producer wrote them. */
    record HeldRecord(long offset, byte[] key, byte[] value, Headers headers, long timestamp) {}

    /**
     * Opens a reader for one validate task (its genai.requests partition); called lazily, at the task's first release,
     * so a task that never releases opens no consumer.
     */
    interface Factory {
        HeldRecordReader open(int partition);
    }
}
