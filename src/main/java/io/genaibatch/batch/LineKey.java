package io.genaibatch.batch;

import io.genaibatch.records.BatchItem;

/**
 * The key of a request's line in a batch's input ({@code {"key": ..., "request": ...}}) and of its result line:
 * {@code <topic>-<partition>-<offset>} of the genai.requests record the item came from.
 *
 * <p>Not the caller's requestId: two requests may carry the same requestId (a producer retrying, two producers
 * choosing ids independently), and a batch with two equal keys would leave one of them without a response, since a
 * result is mapped back by its key alone. A record's topic, partition and offset are unique and never change, so
 * the key is unique in every batch and the same however often the request is reprocessed.
 */
public final class LineKey {
    private LineKey() {}

    public static String of(String topic, int partition, long offset) {
        return topic + "-" + partition + "-" + offset;
    }

    public static String of(BatchItem item) {
        return of(item.getSourceTopic(), item.getSourcePartition(), item.getSourceOffset());
    }
}
