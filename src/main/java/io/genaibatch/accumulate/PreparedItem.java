package io.genaibatch.accumulate;

import io.genaibatch.records.BatchItem;
import io.genaibatch.records.Header;
import io.genaibatch.records.RequestKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
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
 * <p>Kept in its repartition form, {@link #wire}: 8 bytes of requestBytes (the item's JSONL line size,
 * BatchItem.requestBytes), then the BatchItem as a plain Avro binary datum (no single-object header). The serde
 * hands that array to Kafka and takes Kafka's as it is, so the 1 KB item is not copied on either side of the
 * repartition. The array is never changed once built.
 */
final class PreparedItem {
    /** Where the datum starts in {@link #wire}. */
    static final int DATUM_OFFSET = Long.BYTES;

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final byte[] wire;

    private PreparedItem(byte[] wire) {
        this.wire = wire;
    }

    /** @param datum the BatchItem as a plain Avro binary datum */
    PreparedItem(long requestBytes, byte[] datum) {
        this(ByteBuffer.allocate(DATUM_OFFSET + datum.length)
                .putLong(requestBytes)
                .put(datum)
                .array());
    }

    /** The item's JSONL line size (BatchItem.requestBytes). */
    long requestBytes() {
        return (long) LONG.get(wire, 0);
    }

    /** The datum's length in bytes. */
    int datumLength() {
        return wire.length - DATUM_OFFSET;
    }

    /** A copy of the datum. */
    byte[] datum() {
        return Arrays.copyOfRange(wire, DATUM_OFFSET, wire.length);
    }

    /** The repartition form (requestBytes, then the datum at {@link #DATUM_OFFSET}); not to be changed. */
    byte[] wire() {
        return wire;
    }

    /**
     * Encodes items; one per processor, not thread-safe (it reuses its buffer). Writes the BatchItem's fields one after
     * another exactly as Avro's {@link SpecificDatumWriter} does (a test compares the two), which costs a fraction of
     * the generic writer, and can take the request JSON as UTF-8 bytes already at hand instead of encoding the String
     * again. An item the hand-written path does not cover (a null where the schema has none, or a BatchItem schema
     * this class was not written for) goes through the writer, which fails or succeeds as it always did.
     */
    static final class Encoder {
        /** Whether the schema is still the one {@link #write} writes; if not, every item goes through the writer. */
        static final boolean SCHEMA_KNOWN = schemaKnown();

        private final SpecificDatumWriter<BatchItem> writer = new SpecificDatumWriter<>(BatchItem.class);
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(2048);
        private BinaryEncoder encoder;

        PreparedItem prepare(BatchItem item) {
            return prepare(item, null, 0, -1);
        }

        /**
         * @param requestUtf8 when not null, holds {@code item.getRequest()} encoded as UTF-8 at
         *     {@code [offset, offset + length)}; the caller guarantees it
         */
        PreparedItem prepare(BatchItem item, byte[] requestUtf8, int offset, int length) {
            buffer.reset();
            buffer.writeBytes(new byte[DATUM_OFFSET]); // requestBytes, set below
            encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
            try {
                if (SCHEMA_KNOWN && coverable(item)) {
                    write(item, requestUtf8, offset, length);
                } else {
                    writer.write(item, encoder);
                }
                encoder.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            byte[] wire = buffer.toByteArray();
            LONG.set(wire, 0, item.getRequestBytes());
            return new PreparedItem(wire);
        }

        private void write(BatchItem item, byte[] requestUtf8, int offset, int length) throws IOException {
            BinaryEncoder out = encoder;
            out.writeString(item.getRequestId());
            out.writeBytes(item.getKey().duplicate());
            List<Header> headers = item.getHeaders();
            out.writeArrayStart();
            out.setItemCount(headers.size());
            for (Header header : headers) {
                out.startItem();
                out.writeString(header.getKey());
                if (header.getValue() == null) {
                    out.writeIndex(0);
                } else {
                    out.writeIndex(1);
                    out.writeBytes(header.getValue().duplicate());
                }
            }
            out.writeArrayEnd();
            Map<String, String> metadata = item.getMetadata();
            out.writeMapStart();
            out.setItemCount(metadata.size());
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                out.startItem();
                out.writeString(e.getKey());
                out.writeString(e.getValue());
            }
            out.writeMapEnd();
            out.writeString(item.getModel());
            out.writeEnum(item.getKind().ordinal());
            if (requestUtf8 != null) {
                // An Avro string is its UTF-8 length and bytes, as bytes are.
                out.writeBytes(requestUtf8, offset, length);
            } else {
                out.writeString(item.getRequest());
            }
            out.writeLong(item.getRequestBytes());
            out.writeString(item.getSourceTopic());
            out.writeInt(item.getSourcePartition());
            out.writeLong(item.getSourceOffset());
            out.writeLong(item.getReceivedAt().toEpochMilli());
        }

        /** No null where the schema has none: those go to the writer, which reports them as it always did. */
        private static boolean coverable(BatchItem item) {
            if (item.getRequestId() == null
                    || item.getKey() == null
                    || item.getHeaders() == null
                    || item.getMetadata() == null
                    || item.getModel() == null
                    || item.getKind() == null
                    || item.getRequest() == null
                    || item.getSourceTopic() == null
                    || item.getReceivedAt() == null) {
                return false;
            }
            for (Header header : item.getHeaders()) {
                if (header == null || header.getKey() == null) {
                    return false;
                }
            }
            for (Map.Entry<String, String> e : item.getMetadata().entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    return false;
                }
            }
            return true;
        }

        private static boolean schemaKnown() {
            List<String> expected = List.of(
                    "requestId:STRING",
                    "key:BYTES",
                    "headers:ARRAY",
                    "metadata:MAP",
                    "model:STRING",
                    "kind:ENUM",
                    "request:STRING",
                    "requestBytes:LONG",
                    "sourceTopic:STRING",
                    "sourcePartition:INT",
                    "sourceOffset:LONG",
                    "receivedAt:LONG");
            List<String> found = BatchItem.getClassSchema().getFields().stream()
                    .map(f -> f.name() + ":" + f.schema().getType())
                    .toList();
            Schema header = Header.getClassSchema();
            Schema receivedAt =
                    BatchItem.getClassSchema().getField("receivedAt").schema();
            return expected.equals(found)
                    && BatchItem.getClassSchema()
                                    .getField("metadata")
                                    .schema()
                                    .getValueType()
                                    .getType()
                            == Schema.Type.STRING
                    && BatchItem.getClassSchema()
                            .getField("headers")
                            .schema()
                            .getElementType()
                            .equals(header)
                    && header.getFields().size() == 2
                    && header.getFields().get(0).name().equals("key")
                    && header.getFields().get(0).schema().getType() == Schema.Type.STRING
                    && header.getFields().get(1).name().equals("value")
                    && header.getFields().get(1).schema().getType() == Schema.Type.UNION
                    && header.getFields().get(1).schema().getTypes().stream()
                            .map(Schema::getType)
                            .toList()
                            .equals(List.of(Schema.Type.NULL, Schema.Type.BYTES))
                    && receivedAt.getLogicalType() != null
                    && receivedAt.getLogicalType().getName().equals("timestamp-millis")
                    && BatchItem.getClassSchema()
                            .getField("kind")
                            .schema()
                            .getEnumSymbols()
                            .equals(java.util.Arrays.stream(RequestKind.values())
                                    .map(Enum::name)
                                    .toList());
        }
    }

    /** The item itself, decoded: only on the rare paths that need it (rejection, JSON output). */
    BatchItem item() {
        try {
            return new SpecificDatumReader<>(BatchItem.class).read(null, decoder());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The requestId, the item's first field, read without decoding the rest. */
    String requestId() {
        try {
            return decoder().readString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private BinaryDecoder decoder() {
        return DecoderFactory.get().binaryDecoder(wire, DATUM_OFFSET, datumLength(), null);
    }

    /** 8 bytes of requestBytes, then the datum: {@link #wire}, given and taken as it is. */
    static Serde<PreparedItem> serde() {
        Serializer<PreparedItem> serializer = (topic, p) -> p == null ? null : p.wire;
        Deserializer<PreparedItem> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            if (data.length < DATUM_OFFSET) {
                throw new IllegalArgumentException("a prepared item has at least 8 bytes, found " + data.length);
            }
            return new PreparedItem(data);
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
