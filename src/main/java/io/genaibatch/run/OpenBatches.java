package io.genaibatch.run;

import java.time.Instant;
import java.util.Map;

/**
 * What the accumulator's open batches hold now, per model, as this process sees them: only the groups of the
 * accumulate tasks (input partitions) this instance runs. With several instances each knows its own share, and
 * Prometheus sums them. For {@code /metrics}, the status page and /api/models.
 *
 * @param byModel models with at least one open batch; a model not here has none
 * @param unknown why nothing can be said now (no accumulator here, Kafka Streams rebalancing); null when known
 */
public record OpenBatches(Map<String, Model> byModel, String unknown) {
    /** Nothing open. */
    public static final Model NONE = new Model(0, 0, 0, null);

    /**
     * One model's open batches (one per group that has one: kind × shard).
     *
     * @param oldestOpenedAt when the oldest of them opened; null when none is open
     */
    public record Model(int batches, long requests, long bytes, Instant oldestOpenedAt) {
        /** Seconds since the oldest opened; 0 when none is open. */
        public double oldestAgeSeconds(Instant now) {
            return oldestOpenedAt == null ? 0 : Math.max(0, now.toEpochMilli() - oldestOpenedAt.toEpochMilli()) / 1000d;
        }
    }

    /** A role that keeps open batches (the accumulator); cheap and thread-safe, asked from HTTP threads. */
    public interface Source {
        OpenBatches openBatches();
    }

    public OpenBatches {
        byModel = byModel == null ? Map.of() : Map.copyOf(byModel);
    }

    public static OpenBatches known(Map<String, Model> byModel) {
        return new OpenBatches(byModel, null);
    }

    public static OpenBatches unknown(String why) {
        return new OpenBatches(Map.of(), why);
    }

    public boolean isKnown() {
        return unknown == null;
    }

    /** The model's open batches; {@link #NONE} when it has none (or when not known: ask {@link #isKnown} first). */
    public Model of(String model) {
        return byModel.getOrDefault(model, NONE);
    }
}
