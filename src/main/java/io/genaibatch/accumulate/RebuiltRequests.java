package io.genaibatch.accumulate;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.Header;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The request record a {@link PreparedItem} came from, rebuilt from the item: after the repartition the raw record
 * Kafka Streams has is our intermediate item, so the rejection is keyed, and the DLQ copy made, from this instead.
 */
final class RebuiltRequests {
    private static final RecordCodec<GenAiRequest> REQUESTS = RecordCodec.genAiRequest();

    private RebuiltRequests() {}

    /** The request's original key. */
    static byte[] key(BatchItem item) {
        return bytes(item.getKey());
    }

    /** The request's original headers, in order. */
    static Headers headers(BatchItem item) {
        RecordHeaders out = new RecordHeaders();
        for (Header h : item.getHeaders()) {
            out.add(h.getKey(), h.getValue() == null ? null : bytes(h.getValue()));
        }
        return out;
    }

    /**
     * The DLQ records Kafka Streams built from the intermediate item, with the original request, key and headers
     * (Kafka Streams' error headers after them).
     */
    static List<ProducerRecord<byte[], byte[]>> dlqCopies(
            BatchItem item, List<ProducerRecord<byte[], byte[]>> dlq, ValueFormat format) {
        GenAiRequest request = GenAiRequest.newBuilder()
                .setModel(item.getModel())
                .setKind(item.getKind())
                .setRequest(item.getRequest())
                .setMetadata(item.getMetadata())
                .setRequestId(item.getRequestId())
                .build();
        byte[] value = REQUESTS.encode(request, format);
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> d : dlq) {
            Headers headers = headers(item);
            d.headers().forEach(headers::add);
            out.add(new ProducerRecord<>(d.topic(), null, d.timestamp(), key(item), value, headers));
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
