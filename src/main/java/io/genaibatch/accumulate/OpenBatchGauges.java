package io.genaibatch.accumulate;

import io.genaibatch.accumulate.GroupState.OpenBatch;
import io.genaibatch.run.OpenBatches;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The open batches of this instance's accumulate tasks, read from the group store by an interactive query when
 * asked (a scrape, the status page's refresh), at most once a second, and their gauges per model.
 *
 * <p>Why a query and not a summary kept by the processor: the store holds one small header per group (models ×
 * kinds × shards, tens of entries), so reading it whole costs microseconds and takes the stream thread's store
 * lock only that long; the stream thread itself does nothing more per record. A summary kept beside the store
 * would have to be undone when a transaction aborts and rebuilt when tasks move between instances, which the
 * store already does under exactly-once. Only active tasks are read (standbys are not queried), so each open batch
 * is counted by one instance.
 *
 * <p>Gauges exist per model that reached this instance's accumulate stage (its labels are accepted models only:
 * the validate stage refuses any other) or that had an open batch in the store when Kafka Streams turned RUNNING
 * (one restored from before a restart). While the store cannot be read (rebalancing, not started) they read NaN.
 */
final class OpenBatchGauges {
    /** A scrape reads four gauges per model: one store read serves them all. */
    private static final long FRESH_MS = 1000;

    private final MeterRegistry registry;
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    private volatile KafkaStreams streams;
    private OpenBatches last;
    private long lastReadAt;

    OpenBatchGauges(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The Streams application whose group store is read; before it, everything is unknown. */
    void attach(KafkaStreams streams) {
        this.streams = streams;
    }

    /** Open batches per model, read at most {@link #FRESH_MS} ago. */
    synchronized OpenBatches read() {
        long now = System.currentTimeMillis();
        if (last == null || now - lastReadAt >= FRESH_MS) {
            last = readStore();
            lastReadAt = now;
        }
        return last;
    }

    private OpenBatches readStore() {
        KafkaStreams s = streams;
        if (s == null) {
            return OpenBatches.unknown("the accumulator has not started");
        }
        try {
            ReadOnlyKeyValueStore<String, GroupState> store = s.store(StoreQueryParameters.fromNameAndType(
                    AccumulatorTopology.GROUP_STORE, QueryableStoreTypes.keyValueStore()));
            Map<String, OpenBatches.Model> byModel = new HashMap<>();
            try (KeyValueIterator<String, GroupState> it = store.all()) {
                it.forEachRemaining(kv -> {
                    OpenBatch open = kv.value.open();
                    if (open != null) {
                        byModel.merge(
                                kv.value.model(),
                                new OpenBatches.Model(
                                        1, open.count(), open.bytes(), Instant.ofEpochMilli(open.openedAt())),
                                OpenBatchGauges::sum);
                    }
                });
            }
            return OpenBatches.known(byModel);
        } catch (InvalidStateStoreException | IllegalStateException e) {
            // IllegalStateException: Kafka Streams is closing or failed (store() refuses to be asked then).
            // RUNNING with no accumulate task here (more instances than partitions): nothing is open here.
            return s.state() == KafkaStreams.State.RUNNING
                    ? OpenBatches.known(Map.of())
                    : OpenBatches.unknown("Kafka Streams is " + s.state() + ": the open batches cannot be read now");
        }
    }

    private static OpenBatches.Model sum(OpenBatches.Model a, OpenBatches.Model b) {
        return new OpenBatches.Model(
                a.batches() + b.batches(),
                a.requests() + b.requests(),
                a.bytes() + b.bytes(),
                a.oldestOpenedAt().isBefore(b.oldestOpenedAt()) ? a.oldestOpenedAt() : b.oldestOpenedAt());
    }

    /** Gauges for the model, once. */
    void watch(String model) {
        if (watched.contains(model) || !watched.add(model)) {
            return;
        }
        gauge(
                "genai.open.batches",
                model,
                null,
                "open batches in this instance's accumulate tasks",
                (m, now) -> m.batches());
        gauge("genai.open.batch.requests", model, null, "requests in them", (m, now) -> m.requests());
        gauge("genai.open.batch.bytes", model, null, "bytes of the requests in them", (m, now) -> m.bytes());
        gauge(
                "genai.open.batch.age",
                model,
                "seconds",
                "since the oldest of them opened; 0 when none",
                OpenBatches.Model::oldestAgeSeconds);
    }

    /** Gauges for every model with an open batch in the store now (restored ones, after a restart). */
    void watchStored() {
        read().byModel().keySet().forEach(this::watch);
    }

    private interface Value {
        double of(OpenBatches.Model model, Instant now);
    }

    private void gauge(String name, String model, String unit, String description, Value value) {
        ToDoubleFunction<OpenBatchGauges> f = g -> {
            OpenBatches open = g.read();
            return open.isKnown() ? value.of(open.of(model), Instant.now()) : Double.NaN;
        };
        Gauge.builder(name, this, f)
                .tag("model", model)
                .baseUnit(unit)
                .description(description)
                .strongReference(true)
                .register(registry);
    }
}
