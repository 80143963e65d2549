package io.genaibatch.accumulate;

import io.genaibatch.records.GenAiRequest;

/**
 * The accumulator's repartition key of a genai.requests record ({@link Groups#groupKey}: model|kind|shard), read
 * without validating the request, for a baseline that moves the same records through a repartition by the same key
 * ({@code bench accumulate}'s two-hop pass-through). Only what the key needs is read: an Avro request's first two
 * fields, model and kind, with the validate stage's decoder; the request JSON after them is neither decoded nor
 * checked (that is the accumulator's work, not the baseline's). Any other value is decoded in full. The model name
 * is taken as written (the validate stage also strips a {@code models/} prefix, which is validation).
 * Not thread-safe: one per processor.
 */
public final class RepartitionKeys {
    private final RequestDecoder decoder = new RequestDecoder();
    private final int shards;

    /** @param shards window.shards of every model */
    public RepartitionKeys(int shards) {
        this.shards = shards;
    }

    /** @throws io.genaibatch.kafka.RecordDecodingException when the value is not a GenAiRequest */
    public String of(byte[] key, byte[] value) {
        RequestDecoder.ModelAndKind read = decoder.modelAndKind(value);
        if (read == null) {
            GenAiRequest request = decoder.decode(value);
            read = new RequestDecoder.ModelAndKind(request.getModel(), request.getKind());
        }
        return Groups.groupKey(read.model(), read.kind(), Groups.shardOf(key, shards));
    }
}
