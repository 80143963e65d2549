package io.genaibatch.accumulate;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchSeal;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts what happens in this process, by name; thread-safe. The stock {@link AccumulatorMetrics}. */
public final class AccumulatorCounters implements AccumulatorMetrics {
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();

    private void add(String name, long n) {
        counters.computeIfAbsent(name, k -> new LongAdder()).add(n);
    }

    @Override
    public void requestAccepted(BatchItem item) {
        add("requests.accepted", 1);
        add("requests.accepted.bytes", item.getRequestBytes());
    }

    @Override
    public void requestRejected(String model, ErrorCode code, int dlqRecords, boolean responseWritten) {
        add("requests.rejected", 1);
        add("requests.rejected." + code.code(), 1);
    }

    @Override
    public void requestHeld(String model, int partition, long heldCount) {
        add("requests.held", 1);
    }

    @Override
    public void heldRequestLost(String model, int partition, long offset) {
        add("requests.held.lost", 1);
    }

    @Override
    public void batchSealed(String batchId, BatchSeal seal) {
        add("batches.sealed", 1);
        add("batches.sealed." + seal.getReason(), 1);
        add("batches.sealed.items", seal.getCount());
    }

    /** Every counter by name, sorted. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
