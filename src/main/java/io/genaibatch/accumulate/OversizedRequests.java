package io.genaibatch.accumulate;

import io.genaibatch.batch.LineKey;
import io.genaibatch.records.BatchItem;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Requests whose record Kafka refused as too large although the size checks let it through (a limit lowered after
 * the accumulator started, a limit it could not read). Under exactly-once a refused send fails the thread's whole
 * transaction, and the task would write the same record again from its last commit, for ever: so
 * {@link TooLargeRecordHandler} notes the request here, and when it is processed again the validate or accumulate
 * stage rejects it (REQUEST_TOO_LARGE) instead of sending it.
 *
 * <p>One per Kafka Streams instance, shared by its threads and the producer's callback thread (hence synchronized),
 * and kept in memory only: after a restart the first attempt fails once more and is noted again. Bounded: the
 * oldest notes go first (their requests were answered long ago).
 *
 * <p>Keyed by the request's line key ({@code <topic>-<partition>-<offset>} of the genai.requests record).
 */
final class OversizedRequests {
    static final int MAX_ENTRIES = 10_000;

    /** @param topic the topic the refused record was for; @param bytes its size; @param reason what Kafka said */
    record Refusal(String topic, long bytes, String reason) {}

    private final Map<String, Refusal> refused = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Refusal> eldest) {
            return size() > MAX_ENTRIES;
        }
    };
    private volatile boolean empty = true;

    synchronized void add(String lineKey, Refusal refusal) {
        refused.put(lineKey, refusal);
        empty = false;
    }

    /** Cheap, lock-free: the per-record check of the usual case. */
    boolean isEmpty() {
        return empty;
    }

    synchronized Refusal find(String lineKey) {
        return refused.get(lineKey);
    }

    /**
     * {@link #rejectIfNoted(BatchItem)} for an item still encoded, decoded only when some request was noted: the
     * accumulate stage's per-record check, where decoding every item measured as 13 % of its stream thread.
     */
    void rejectIfNoted(PreparedItem prepared) {
        if (!isEmpty()) {
            rejectIfNoted(prepared.item());
        }
    }

    /** Throws the REQUEST_TOO_LARGE rejection of an item whose record Kafka refused before; nothing otherwise. */
    void rejectIfNoted(BatchItem item) {
        if (isEmpty()) {
            return;
        }
        Refusal refusal = find(LineKey.of(item));
        if (refusal != null) {
            throw RequestSizes.refused(item, refusal);
        }
    }
}
