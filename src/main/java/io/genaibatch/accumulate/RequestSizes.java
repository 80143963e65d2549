package io.genaibatch.accumulate;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import java.nio.charset.StandardCharsets;

/**
 * Whether an accepted request fits in every record it becomes before the submitter reads it: its repartition record
 * and its genai.batches item (both carry the whole request, plus its key, headers and metadata). A record over Kafka's
 * limit would fail the exactly-once transaction each time it is written, stalling the partition; a request that
 * cannot fit is therefore refused here, REQUEST_TOO_LARGE, naming the size, the limit and the setting. Also rejects
 * the requests {@link TooLargeRecordHandler} noted as refused by Kafka (limits lowered after start).
 *
 * <p>Sizes are upper bounds: the group key and batch id are counted at their longest (shard 255, a 19-digit batch
 * counter), so a request that passes here fits whatever batch it joins. Not thread-safe: one per processor.
 */
final class RequestSizes {
    /** Shards are at most 256 (window.shards), so a shard number has at most 3 digits. */
    private static final int WIDEST_SHARD = 255;

    private static final String WIDEST_EPOCH = "ffffffff";
    /** The Avro single-object header, and two varint lengths and two union branches of a BatchRecord item. */
    private static final int AVRO_BATCH_RECORD_OVERHEAD = 10 + 5 + 5 + 1 + 1;
    /**
     * Most bytes JSON takes per byte of the Avro datum: a character escaped as {@code \\uXXXX}. Below this bound
     * the JSON record is not encoded to be measured.
     */
    private static final int JSON_EXPANSION = 6;

    private static final int JSON_FIELD_NAMES = 4096;

    private final RecordLimits limits;
    private final OversizedRequests oversized;
    private final ValueFormat format;
    private final BatchRecords jsonRecords = new BatchRecords(ValueFormat.JSON);

    RequestSizes(RecordLimits limits, OversizedRequests oversized, ValueFormat format) {
        this.limits = limits;
        this.oversized = oversized;
        this.format = format;
    }

    /** @throws RejectedRequestException REQUEST_TOO_LARGE when a record of the request would not fit */
    void check(BatchItem item, PreparedItem prepared) {
        oversized.rejectIfNoted(item);
        Widest widest = widestOf(item);
        long repartition = RecordLimits.sizeOf(widest.groupBytes(), prepared.wire().length, null);
        if (repartition > limits.repartition().bytes()) {
            throw tooLarge(item, repartition, limits.repartition());
        }
        long batches = RecordLimits.sizeOf(widest.batchIdBytes(), batchValueBytes(widest, prepared), null);
        if (batches > limits.batches().bytes()) {
            throw tooLarge(item, batches, limits.batches());
        }
        long answer = RecordLimits.sizeOf(item.getKey().remaining(), SMALLEST_RESPONSE_BYTES, null);
        if (answer > limits.responses().bytes()) {
            throw new RejectedRequestException(rejection(
                    item,
                    "its key alone takes " + item.getKey().remaining()
                            + " bytes: no response to it (at least " + answer + " bytes as a record of "
                            + limits.responses().topic() + ") fits the limit of "
                            + limits.responses().describe()
                            + ", so it was not batched, to be billed for an answer that could never be published. Use a "
                            + "shorter key, or raise that limit"));
        }
    }

    /**
     * The least a response takes beside its key, with no answer, headers or metadata: what the poller falls back to
     * when an answer does not fit (its requestId cut to 200 characters, an error code and a short message).
     */
    static final int SMALLEST_RESPONSE_BYTES = 2_048;

    /** The longest group key and batch id of a (model, kind): per record they would be two strings built and encoded. */
    private record Widest(String group, int groupBytes, String batchId, int batchIdBytes) {}

    /** model → one per kind (by ordinal). */
    private final java.util.Map<String, Widest[]> widest = new java.util.HashMap<>();

    private Widest widestOf(BatchItem item) {
        Widest[] byKind = widest.get(item.getModel());
        Widest w = byKind == null ? null : byKind[item.getKind().ordinal()];
        if (w == null) {
            String group = Groups.groupKey(item.getModel(), item.getKind(), WIDEST_SHARD);
            String batchId =
                    Groups.batchId(item.getModel(), item.getKind(), WIDEST_SHARD, WIDEST_EPOCH, Long.MAX_VALUE);
            w = new Widest(
                    group,
                    group.getBytes(StandardCharsets.UTF_8).length,
                    batchId,
                    batchId.getBytes(StandardCharsets.UTF_8).length);
            if (byKind == null) {
                if (widest.size() >= Models.Cache.MAX_ENTRIES) {
                    widest.clear(); // models.allowed bounds the names; this bounds the memory whatever it allows
                }
                byKind = new Widest[io.genaibatch.records.RequestKind.values().length];
                widest.put(item.getModel(), byKind);
            }
            byKind[item.getKind().ordinal()] = w;
        }
        return w;
    }

    static RejectedRequestException refused(BatchItem item, OversizedRequests.Refusal refusal) {
        return new RejectedRequestException(rejection(
                item,
                "the request takes about " + refusal.bytes() + " bytes as a record of "
                        + refusal.topic() + ", and Kafka refused it as too large (" + refusal.reason()
                        + "): the topic's "
                        + "max.message.bytes (or the producer's max.request.size) is smaller. It was not batched; send a smaller "
                        + "request, or raise that limit"));
    }

    private long batchValueBytes(Widest w, PreparedItem prepared) {
        long avro = AVRO_BATCH_RECORD_OVERHEAD + w.batchIdBytes() + w.groupBytes() + (long) prepared.datumLength();
        if (format == ValueFormat.AVRO) {
            return avro;
        }
        long bound = avro * JSON_EXPANSION + JSON_FIELD_NAMES;
        if (RecordLimits.sizeOf(w.batchIdBytes(), bound, null)
                <= limits.batches().bytes()) {
            return avro;
        }
        return jsonRecords.item(w.batchId(), w.group(), prepared).length;
    }

    private static RejectedRequestException tooLarge(BatchItem item, long size, RecordLimits.Limit limit) {
        return new RejectedRequestException(rejection(
                item,
                "the request takes " + size + " bytes as a record of " + limit.topic()
                        + " (its batch line alone is " + item.getRequestBytes()
                        + " bytes; the record also carries its key, headers and "
                        + "metadata), more than the limit of " + limit.describe()
                        + ": it could never be batched. Send a smaller "
                        + "request, or raise that limit"));
    }

    private static Rejection rejection(BatchItem item, String message) {
        return new Rejection(
                ErrorCode.REQUEST_TOO_LARGE,
                message,
                item.getRequestId(),
                item.getModel(),
                item.getKind(),
                item.getMetadata(),
                item.getReceivedAt());
    }
}
