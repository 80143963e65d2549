package io.genaibatch.accumulate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import io.genaibatch.records.BatchItem;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * BatchItem in Avro single-object encoding, for the accumulator's own repartition topic and hold store: always
 * Avro (compact, fast), whatever the configured output format, because nobody else reads them.
 */
final class ItemSerde {
    private ItemSerde() {
    }

    static Serde<BatchItem> serde() {
        Serializer<BatchItem> serializer = (topic, item) -> item == null ? null : encode(item);
        Deserializer<BatchItem> deserializer = (topic, data) -> data == null ? null : decode(data);
        return Serdes.serdeFrom(serializer, deserializer);
    }

    static byte[] encode(BatchItem item) {
        try {
            ByteBuffer buffer = item.toByteBuffer();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BatchItem decode(byte[] data) {
        try {
            return BatchItem.fromByteBuffer(ByteBuffer.wrap(data));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
