package io.genaibatch.accumulate;

import io.genaibatch.records.RequestKind;
import java.util.Locale;
import org.apache.kafka.common.utils.Utils;

/** Group keys and batch ids, in one place so their shapes stay consistent. */
final class Groups {
    private Groups() {}

    /** The repartition key: one open batch exists per group. e.g. gemini-2.5-flash|GENERATE|0 */
    static String groupKey(String model, RequestKind kind, int shard) {
        return model + "|" + kind + "|" + shard;
    }

    /** The model of a group key (a model has no '|'). */
    static String modelOf(String groupKey) {
        return groupKey.substring(0, groupKey.indexOf('|'));
    }

    /** Which shard a request key falls in: murmur2 like Kafka's partitioner, so it is stable across processes. */
    static int shardOf(byte[] key, int shards) {
        return shards <= 1 ? 0 : Utils.toPositive(Utils.murmur2(key)) % shards;
    }

    /**
     * A batch id: model, kind, shard, the group's epoch (random, drawn when the group's state is first created, so
     * ids never repeat after an application reset wipes the counters) and the group's batch counter. Both live in
     * the state store, written in the same transaction as the batch's records, so an id is never reused under EOS.
     * Only [A-Za-z0-9._-]: it is also the job's displayName and a file name. e.g. gemini-2.5-flash-generate-0-3f9a1c2e-42
     */
    static String batchId(String model, RequestKind kind, int shard, String epoch, long seq) {
        return model + "-" + kind.name().toLowerCase(Locale.ROOT) + "-" + shard + "-" + epoch + "-" + seq;
    }
}
