package io.genaibatch.accumulate;

import io.genaibatch.accumulate.GroupState.OpenBatch;
import io.genaibatch.records.BatchSeal;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.SealReason;
import io.genaibatch.records.WindowPolicy;
import io.genaibatch.run.LogFields;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Second stage, after the repartition by group: every request of a group comes through one task, so one open batch
 * exists per group. Each item is forwarded to genai.batches at once, keyed by its batch id; the store keeps only the
 * open batch's header. Seals (see docs/ACCUMULATOR.md):
 * <ul>
 *   <li>MAX_REQUESTS as soon as the batch holds max-requests items;</li>
 *   <li>MAX_BYTES before an item that would take it past max-bytes, or as soon as it holds exactly max-bytes;</li>
 *   <li>MAX_WAIT once max-wait has passed since it opened (wall clock, checked every 100 ms and before each item);</li>
 *   <li>CONFIG_CHANGE when a smaller max-requests or max-bytes leaves the open batch at or over the new limit.</li>
 * </ul>
 * This stage only batches: requests of a disabled model are held before it, in the validate stage
 * ({@link HeldRequests}), and reach it when released.
 *
 * <p>Every change to the stores and every record sent happens after the last thing that can throw for this record,
 * so a record refused or failed by the processing exception handler leaves the state as it was.
 */
final class AccumulateProcessor implements Processor<String, PreparedItem, String, byte[]> {
    static final Duration PUNCTUATE_INTERVAL = Duration.ofSeconds(1);
    /**
     * How often the stage checks whether an open batch reached max-wait: a batch that gets no more requests is sealed
     * this soon after it (a request alone waits max-wait, not max-wait plus up to a second; docs/BENCHMARKS.md
     * "Small traffic latency"). The check is one comparison with {@link #nextDeadline}; the stores are scanned only
     * when a deadline has passed.
     */
    static final Duration SEAL_CHECK_INTERVAL = Duration.ofMillis(100);

    private static final Logger log = LoggerFactory.getLogger(AccumulateProcessor.class);

    private final WindowPolicies policies;
    private final AccumulatorMetrics metrics;
    private final BatchRecords records;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, GroupState> groups;
    private PolicyCache cache;
    /**
     * The earliest max-wait deadline among this task's open batches (wall clock, ms), or earlier: a hint kept in
     * memory, recomputed by every scan. Unknown after a start or a restore, so the first check scans.
     */
    private long nextDeadline = Long.MIN_VALUE;
    /**
     * The group states this task last read from or wrote to {@link #groups}, as objects: a get from the store
     * deserialises the value (and goes through its metering and cache layers) for every request. Only this processor
     * writes the store, and every write goes through {@link #save}, so the two never differ; emptied when the task is
     * (re)initialised, as Kafka Streams does after restoring or wiping the store. Bounded: when more groups than
     * that pass through one task (many models, many shards) it starts over, reading them from the store again.
     */
    private final Map<String, GroupState> states = new HashMap<>();

    static final int MAX_STATES_IN_MEMORY = 4096;

    private final OversizedRequests oversized;

    AccumulateProcessor(
            WindowPolicies policies,
            AccumulatorMetrics metrics,
            io.genaibatch.kafka.ValueFormat format,
            OversizedRequests oversized) {
        this.oversized = oversized;
        this.policies = policies;
        this.metrics = metrics;
        this.records = new BatchRecords(format);
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.groups = context.getStateStore(AccumulatorTopology.GROUP_STORE);
        this.states.clear();
        ReadOnlyKeyValueStore<String, WindowPolicy> policyStore =
                context.getStateStore(AccumulatorTopology.WINDOW_POLICY_STORE);
        this.cache = new PolicyCache(policies, policyStore);
        context.schedule(PUNCTUATE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
        context.schedule(SEAL_CHECK_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::sealIfDue);
    }

    @Override
    public void process(Record<String, PreparedItem> record) {
        String group = record.key();
        PreparedItem item = record.value();
        // Its genai.batches item was refused by Kafka (TooLargeRecordHandler): answered instead of written again.
        oversized.rejectIfNoted(item);
        metrics.itemArrived(group, item.requestBytes(), item::requestId);
        GroupState state = states.get(group);
        if (state == null) {
            state = groups.get(group);
        }
        if (state == null) {
            state = newState(group);
        }
        EffectivePolicy policy = cache.get(state.model());
        long now = context.currentSystemTimeMs();
        // The policy's enabled flag is not checked here: the validate stage holds a disabled model's requests, so an
        // item that got this far was accepted for batching (at most one second before a disable reached that stage).
        save(group, add(group, state, item, policy, now));
    }

    private void save(String group, GroupState state) {
        groups.put(group, state);
        if (states.size() >= MAX_STATES_IN_MEMORY && !states.containsKey(group)) {
            states.clear();
        }
        states.put(group, state);
    }

    private GroupState add(String group, GroupState state, PreparedItem item, EffectivePolicy policy, long now) {
        OpenBatch open = state.open();
        if (open != null) {
            SealReason reason = reasonBefore(open, item, policy, now);
            if (reason != null) {
                seal(state, open, reason, now);
                open = null;
            }
        }
        long nextSeq = state.nextSeq();
        if (open == null) {
            open = new OpenBatch(
                    Groups.batchId(state.model(), state.kind(), state.shard(), state.epoch(), nextSeq), 0, 0, now);
            nextSeq++;
            nextDeadline = Math.min(nextDeadline, deadline(open, policy));
        }
        context.forward(
                new Record<>(open.batchId(), records.item(open.batchId(), group, item), now, new RecordHeaders()));
        open = new OpenBatch(open.batchId(), open.count() + 1, open.bytes() + item.requestBytes(), open.openedAt());
        // An item larger than max-bytes (possible only when max-bytes shrank after it was accepted) gets a batch of
        // its own: an accepted request is always batched, and it is still within the API limit it was checked against.
        SealReason full = open.count() >= policy.maxRequests()
                ? SealReason.MAX_REQUESTS
                : open.bytes() >= policy.maxBytes() ? SealReason.MAX_BYTES : null;
        if (full != null) {
            seal(state, open, full, now);
            open = null;
        }
        return state.withOpen(open, nextSeq);
    }

    /** Why the open batch must be sealed before this item joins it, or null. */
    private static SealReason reasonBefore(OpenBatch open, PreparedItem item, EffectivePolicy policy, long now) {
        if (now - open.openedAt() >= policy.maxWait().toMillis()) {
            return SealReason.MAX_WAIT;
        }
        if (open.count() >= policy.maxRequests() || open.bytes() >= policy.maxBytes()) {
            return SealReason.CONFIG_CHANGE;
        }
        if (open.bytes() + item.requestBytes() > policy.maxBytes()) {
            return SealReason.MAX_BYTES;
        }
        return null;
    }

    private void sealIfDue(long now) {
        if (now >= nextDeadline) {
            punctuate(now);
        }
    }

    /** When {@code open} reaches max-wait; saturated, so a very long max-wait does not wrap around. */
    private static long deadline(OpenBatch open, EffectivePolicy policy) {
        long wait = policy.maxWait().toMillis();
        return open.openedAt() > Long.MAX_VALUE - wait ? Long.MAX_VALUE : open.openedAt() + wait;
    }

    /** Refreshes the policies, seals what max-wait or a lowered limit calls for, and recomputes the next deadline. */
    private void punctuate(long now) {
        cache.refresh();
        long earliest = Long.MAX_VALUE;
        List<KeyValue<String, GroupState>> all = new ArrayList<>();
        try (KeyValueIterator<String, GroupState> it = groups.all()) {
            it.forEachRemaining(all::add);
        }
        for (KeyValue<String, GroupState> entry : all) {
            String group = entry.key;
            GroupState state = entry.value;
            EffectivePolicy policy = cache.get(state.model());
            OpenBatch open = state.open();
            if (open != null) {
                SealReason reason = now - open.openedAt() >= policy.maxWait().toMillis()
                        ? SealReason.MAX_WAIT
                        : open.count() >= policy.maxRequests() || open.bytes() >= policy.maxBytes()
                                ? SealReason.CONFIG_CHANGE
                                : null;
                if (reason != null) {
                    seal(state, open, reason, now);
                    state = state.withOpen(null, state.nextSeq());
                } else {
                    earliest = Math.min(earliest, deadline(open, policy));
                }
            }
            if (state != entry.value) {
                save(group, state);
            }
        }
        nextDeadline = earliest;
    }

    private void seal(GroupState state, OpenBatch open, SealReason reason, long now) {
        BatchSeal seal = BatchSeal.newBuilder()
                .setCount(open.count())
                .setBytes(open.bytes())
                .setReason(reason)
                .setGroupKey(Groups.groupKey(state.model(), state.kind(), state.shard()))
                .setModel(state.model())
                .setKind(state.kind())
                .setOpenedAt(java.time.Instant.ofEpochMilli(open.openedAt()))
                .setSealedAt(java.time.Instant.ofEpochMilli(now))
                .build();
        context.forward(new Record<>(
                open.batchId(), records.seal(open.batchId(), seal.getGroupKey(), seal), now, new RecordHeaders()));
        afterEffects(() -> metrics.batchSealed(open.batchId(), seal));
        try (LogFields fields = LogFields.batch(open.batchId(), null, state.model())) {
            log.info(
                    "Sealed batch {} ({}): {} requests, {} bytes, open {} ms",
                    open.batchId(),
                    reason,
                    open.count(),
                    open.bytes(),
                    now - open.openedAt());
        }
    }

    /** A metrics call made after records were sent must not throw: the record could no longer be refused cleanly. */
    static void afterEffects(Runnable metricsCall) {
        try {
            metricsCall.run();
        } catch (RuntimeException e) {
            log.warn("Metrics call failed, ignored: {}", e.toString());
        }
    }

    /** A group's first state; model, kind and shard come from its key (model|KIND|shard: a model has no '|'). */
    private static GroupState newState(String group) {
        String[] parts = group.split("\\|");
        String model = parts[0];
        RequestKind kind = RequestKind.valueOf(parts[1]);
        int shard = Integer.parseInt(parts[2]);
        String epoch = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        return new GroupState(model, kind, shard, epoch, 0, null);
    }
}
