package io.genaibatch.accumulate;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import io.genaibatch.records.BatchItem;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A validated request on its way to a batch: its line size and its {@link BatchItem} already encoded as an Avro
 * datum. The item is encoded once, in the validate stage, and its bytes travel through the repartition topic and into the genai.batches record unchanged (see {@link BatchRecords}): the accumulate stage never
 * decodes or re-encodes a request, which measured as its largest CPU cost.
 *
 * @param requestBytes the item's JSONL line size (BatchItem.requestBytes)
 * @param datum the BatchItem as a plain Avro binary datum (no single-object header)
 */
record PreparedItem(long requestBytes, byte[] datum) {

    /** Encodes items; one per processor, not thread-safe (it reuses its buffer). */
    static final class Encoder {
        private final SpecificDatumWriter<BatchItem> writer = new SpecificDatumWriter<>(BatchItem.class);
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(2048);
        private BinaryEncoder encoder;

        PreparedItem prepare(BatchItem item) {
            buffer.reset();
            encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
            try {
                writer.write(item, encoder);
                encoder.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new PreparedItem(item.getRequestBytes(), buffer.toByteArray());
        }
    }

    /** The item itself, decoded: only on the rare paths that need it (rejection, JSON output). */
    BatchItem item() {
        try {
            return new SpecificDatumReader<>(BatchItem.class).read(null, DecoderFactory.get().binaryDecoder(datum, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The requestId, the item's first field, read without decoding the rest. */
    String requestId() {
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(datum, null);
            return decoder.readString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** 8 bytes of requestBytes, then the datum. */
    static Serde<PreparedItem> serde() {
        Serializer<PreparedItem> serializer = (topic, p) -> p == null ? null
                : ByteBuffer.allocate(8 + p.datum().length).putLong(p.requestBytes()).put(p.datum()).array();
        Deserializer<PreparedItem> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            if (data.length < 8) {
                throw new IllegalArgumentException("a prepared item has at least 8 bytes, found " + data.length);
            }
            byte[] datum = new byte[data.length - 8];
            System.arraycopy(data, 8, datum, 0, datum.length);
            return new PreparedItem(ByteBuffer.wrap(data).getLong(), datum);
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
