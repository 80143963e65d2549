package io.genaibatch.accumulate;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.WindowPolicy;
import org.apache.kafka.common.header.internals.RecordHeaders;
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
 */
final class ValidateProcessor implements Processor<byte[], byte[], String, PreparedItem> {
    private static final RecordCodec<GenAiRequest> CODEC = RecordCodec.genAiRequest();

    private final WindowPolicies policies;
    private final AccumulatorMetrics metrics;
    private ProcessorContext<String, PreparedItem> context;
    private final PreparedItem.Encoder encoder = new PreparedItem.Encoder();
    private PolicyCache cache;

    ValidateProcessor(WindowPolicies policies, AccumulatorMetrics metrics) {
        this.policies = policies;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, PreparedItem> context) {
        this.context = context;
        ReadOnlyKeyValueStore<String, WindowPolicy> store = context.getStateStore(AccumulatorTopology.WINDOW_POLICY_STORE);
        this.cache = new PolicyCache(policies, store);
        context.schedule(AccumulateProcessor.PUNCTUATE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> cache.refresh());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = context.recordMetadata().orElseThrow();
        RequestValidator.Source source = new RequestValidator.Source(where.topic(), where.partition(), where.offset(), record.timestamp());
        GenAiRequest request = null;
        if (record.value() != null) {
            try {
                request = CODEC.decode(record.value());
            } catch (RecordDecodingException e) {
                throw new RejectedRequestException(RejectionHandler.UndecodableRequests.classify(source, record.value(), e));
            }
        }
        BatchItem item = RequestValidator.validate(record.key(), request, record.headers(), source,
                model -> cache.get(model).maxBytes());
        EffectivePolicy policy = cache.get(item.getModel());
        String group = Groups.groupKey(item.getModel(), item.getKind(), Groups.shardOf(record.key(), policy.shards()));
        metrics.requestAccepted(item);
        // The original headers travel inside the item (BatchItem.headers); the Kafka headers are not copied again.
        context.forward(new Record<>(group, encoder.prepare(item), record.timestamp(), new RecordHeaders()));
    }
}
