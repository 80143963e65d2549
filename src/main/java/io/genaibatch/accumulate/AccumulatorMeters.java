package io.genaibatch.accumulate;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchSeal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The accumulator's {@link AccumulatorMetrics} in Micrometer: what {@code /metrics} shows. Counted as the stream
 * threads process (a transaction aborted and processed again counts twice; rare, after a crash or a fencing). Meters
 * are looked up once per label set: this is called per request.
 */
public final class AccumulatorMeters implements AccumulatorMetrics {
    private final MeterRegistry registry;
    /** models.allowed: a rejected request's model is a label only when it could have been batched. */
    private final AllowedModels allowed;

    private final Map<String, Counter> accepted = new ConcurrentHashMap<>();
    private final Map<String, Counter> acceptedBytes = new ConcurrentHashMap<>();
    private final OpenBatchGauges openBatches;
    /** Groups whose model has its open-batch gauges: looked at per item, so a read, not a model parsed each time. */
    private final java.util.Set<String> groupsWatched = ConcurrentHashMap.newKeySet();

    /** Labels limited by the default of models.allowed. */
    public AccumulatorMeters(MeterRegistry registry) {
        this(registry, io.genaibatch.config.ConfigKeys.MODELS_ALLOWED.defaultValue());
    }

    /** Its open-batch gauges read no store (NaN): for tests of the counters. */
    public AccumulatorMeters(MeterRegistry registry, java.util.List<String> modelsAllowed) {
        this(registry, modelsAllowed, new OpenBatchGauges(registry));
    }

    AccumulatorMeters(MeterRegistry registry, java.util.List<String> modelsAllowed, OpenBatchGauges openBatches) {
        this.registry = registry;
        this.allowed = new AllowedModels(modelsAllowed);
        this.openBatches = openBatches;
    }

    @Override
    public void requestAccepted(BatchItem item) {
        accepted.computeIfAbsent(item.getModel(), m -> registry.counter("genai.requests.accepted", "model", m))
                .increment();
        acceptedBytes
                .computeIfAbsent(
                        item.getModel(),
                        m -> Counter.builder("genai.requests.accepted.size")
                                .baseUnit("bytes")
                                .tag("model", m)
                                .register(registry))
                .increment(item.getRequestBytes());
    }

    /** The group's model gets its open-batch gauges: it was accepted, so it is a bounded label. */
    @Override
    public void itemArrived(String groupKey, long requestBytes, java.util.function.Supplier<String> requestId) {
        // contains() first: add() of a present key still locks the map's bin, on every item.
        if (!groupsWatched.contains(groupKey) && groupsWatched.add(groupKey)) {
            openBatches.watch(Groups.modelOf(groupKey));
        }
    }

    @Override
    public void requestRejected(String model, ErrorCode code, int dlqRecords, boolean responseWritten) {
        String label = labelOf(model);
        registry.counter("genai.requests.rejected", "model", label, "code", code.code())
                .increment();
        if (responseWritten) {
            registry.counter("genai.responses", "model", label, "status", "REJECTED")
                    .increment();
        }
        if (dlqRecords > 0) {
            registry.counter("genai.dlq.records", "code", code.code()).increment(dlqRecords);
        }
    }

    /**
     * A rejected request's model is whatever its producer wrote, whatever the code (a request refused for its kind
     * still has free text in its model): a label only when it is a model name models.allowed admits, so producers
     * cannot make series; {@code unknown} otherwise.
     */
    private String labelOf(String model) {
        try {
            String name = Models.normalize(model);
            return allowed.allows(name) ? name : "unknown";
        } catch (IllegalArgumentException e) {
            return "unknown";
        }
    }

    @Override
    public void requestHeld(String model, int partition, long heldCount) {
        registry.counter("genai.requests.held", "model", model).increment();
    }

    @Override
    public void heldRequestLost(String model, int partition, long offset) {
        registry.counter("genai.requests.held.lost", "model", model).increment();
        registry.counter("genai.responses", "model", model, "status", "ERROR").increment();
    }

    @Override
    public void batchSealed(String batchId, BatchSeal seal) {
        registry.counter(
                        "genai.batches.sealed",
                        "model",
                        seal.getModel(),
                        "reason",
                        seal.getReason().name())
                .increment();
        registry.counter("genai.batches.sealed.requests", "model", seal.getModel())
                .increment(seal.getCount());
    }
}
