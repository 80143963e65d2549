package io.genaibatch.accumulate;

import io.genaibatch.accumulate.HeldRequestsLostException.Problem;
import io.genaibatch.accumulate.HeldRequestsLostException.Reason;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.WindowPolicy;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * First stage, one task per genai.requests partition: validates each request, gives it its requestId and byte size,
 * and keys it by its group (model, kind, shard) for the repartition. A refused request throws
 * {@link RejectedRequestException}; Kafka Streams hands it to {@link RejectionHandler}.
 *
 * <p>Values are decoded here rather than by a source serde, so that an undecodable value takes the same path as
 * every other rejection (the processing exception handler). Measured with Kafka Streams 4.4.0: the records that a
 * deserialization exception handler returns were lost under exactly_once_v2 in TopologyTestDriver.
 *
 * <p>An accepted request of a disabled model ({@code window.enabled=false}), or of a model that still has held
 * requests in this partition, is held ({@link HeldRequests}: it stays in genai.requests, a pointer is kept) and
 * forwarded from the punctuation once the model is enabled, re-validated from the same bytes.
 */
final class ValidateProcessor implements Processor<byte[], byte[], String, PreparedItem> {
    private final WindowPolicies policies;
    private final AccumulatorMetrics metrics;
    private final HoldSettings hold;
    private ProcessorContext<String, PreparedItem> context;
    private final RequestValidator validator;
    private PolicyCache cache;
    private HeldRequests held;

    /**
     * How this stage holds requests.
     *
     * @param requestsTopic genai.requests, where held requests are read back from
     * @param configuredRetention topics.retention, named in the log when holding starts
     */
    record HoldSettings(
            String requestsTopic,
            java.time.Duration configuredRetention,
            HeldRecordReader.Factory readers,
            int releasePerPunctuation) {}

    private final RequestSizes sizes;

    ValidateProcessor(
            WindowPolicies policies,
            AccumulatorMetrics metrics,
            HoldSettings hold,
            AllowedModels allowed,
            RequestSizes sizes) {
        this.validator = new RequestValidator(allowed);
        this.sizes = sizes;
        this.policies = policies;
        this.metrics = metrics;
        this.hold = hold;
    }

    @Override
    public void init(ProcessorContext<String, PreparedItem> context) {
        this.context = context;
        ReadOnlyKeyValueStore<String, WindowPolicy> store =
                context.getStateStore(AccumulatorTopology.WINDOW_POLICY_STORE);
        this.cache = new PolicyCache(policies, store);
        // The task's partition is its genai.requests partition: this sub-topology has no other source.
        this.held = new HeldRequests(
                context.getStateStore(AccumulatorTopology.HELD_STORE),
                hold.requestsTopic(),
                context.taskId().partition(),
                hold.configuredRetention(),
                metrics,
                hold.readers(),
                hold.releasePerPunctuation());
        context.schedule(AccumulateProcessor.PUNCTUATE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = context.recordMetadata().orElseThrow();
        RequestValidator.Source source =
                new RequestValidator.Source(where.topic(), where.partition(), where.offset(), record.timestamp());
        BatchItem item = validate(
                record.key(),
                record.value(),
                record.headers(),
                source,
                model -> cache.get(model).maxBytes());
        // Encoded now (not when forwarded) so that the records it becomes are measured before it is accepted or held:
        // one that could not fit in Kafka's limits would fail the exactly-once transaction at every attempt.
        PreparedItem prepared = validator.prepare(item);
        sizes.check(item, prepared);
        EffectivePolicy policy = cache.get(item.getModel());
        metrics.requestAccepted(item);
        // Held after validation, so a held request was accepted and is never rejected later. While a model has held
        // requests here, a new one queues behind them even once enabled: release keeps arrival order per partition.
        if (!policy.enabled() || held.holding(item.getModel())) {
            held.hold(item.getModel(), where.offset(), record.key(), record.timestamp());
            return;
        }
        forward(item, prepared, policy, record.key(), record.timestamp());
    }

    private BatchItem validate(
            byte[] key,
            byte[] value,
            Headers headers,
            RequestValidator.Source source,
            ToLongFunction<String> maxBytesOf) {
        GenAiRequest request = null;
        if (value != null) {
            try {
                request = validator.decode(value);
            } catch (RecordDecodingException e) {
                throw new RejectedRequestException(UndecodableRequests.classify(source, value, e));
            }
        }
        return validator.validate(key, request, headers, source, maxBytesOf);
    }

    private void forward(BatchItem item, PreparedItem prepared, EffectivePolicy policy, byte[] key, long timestamp) {
        String group = Groups.groupKey(item.getModel(), item.getKind(), Groups.shardOf(key, policy.shards()));
        // The original headers travel inside the item (BatchItem.headers); the Kafka headers are not copied again.
        context.forward(new Record<>(group, prepared, timestamp, new RecordHeaders()));
    }

    private void punctuate(long now) {
        cache.refresh();
        held.release(model -> cache.get(model).enabled(), this::release);
    }

    /**
     * A held record read back: validated again from the same bytes, so it gets the same item and requestId (derived
     * from topic-partition-offset when the producer gave none), and forwarded as a fresh request would be. Not
     * checked against max-bytes: it was accepted, and an accepted request is always batched (alone if max-bytes
     * shrank meanwhile). Returns null, or why it cannot be batched.
     */
    private Problem release(String model, HeldRecordReader.HeldRecord r) {
        RequestValidator.Source source = new RequestValidator.Source(
                hold.requestsTopic(), context.taskId().partition(), r.offset(), r.timestamp());
        BatchItem item;
        try {
            item = validate(r.key(), r.value(), r.headers(), source, m -> Long.MAX_VALUE);
        } catch (RejectedRequestException e) {
            // Only possible if the record is not the one held, or validation rules changed in between (an upgrade).
            return new Problem(
                    Reason.INVALID,
                    "it no longer passes validation (" + e.rejection().code().code() + ": "
                            + e.rejection().message() + ")");
        } catch (StreamsException e) {
            throw e;
        } catch (RuntimeException e) {
            // Not this record's pointer's fault to stay: left held, it would fail every second and hold every later
            // request of the model behind it. Answered (and its pointer dropped) like a fresh request would be.
            return new Problem(
                    Reason.FAILED, "the accumulator failed on it (" + e + "); a bug in genai-batch, please report it");
        }
        if (!item.getModel().equals(model)) {
            // Key and timestamp matched, the content did not: another record at its offset, as with a recreated topic.
            return new Problem(Reason.REPLACED, "the record read back is for model " + item.getModel());
        }
        // Checked when it was held too; again because a limit may have been lowered (noted by TooLargeRecordHandler).
        PreparedItem prepared = validator.prepare(item);
        try {
            sizes.check(item, prepared);
        } catch (RejectedRequestException e) {
            return new Problem(
                    Reason.INVALID,
                    "it no longer fits in Kafka's limits (" + e.rejection().message() + ")");
        }
        forward(item, prepared, cache.get(model), r.key(), r.timestamp());
        return null;
    }

    @Override
    public void close() {
        if (held != null) {
            held.close();
        }
    }
}
