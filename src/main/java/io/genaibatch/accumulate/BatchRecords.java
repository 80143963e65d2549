package io.genaibatch.accumulate;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.BatchSeal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * The values the accumulator writes to genai.batches. In Avro, an item record is assembled from the item's
 * pre-encoded datum: Avro's binary form of a record is its fields one after another, so
 * {@code BatchRecord{batchId, groupKey, item: BatchItem, seal: null}} is the single-object header, two strings, the
 * union branch of item, the datum, and the null branch of seal: byte for byte what the codec writes (a test checks
 * it). In JSON the record is built and encoded as usual.
 */
final class BatchRecords {
    private static final RecordCodec<BatchRecord> CODEC = RecordCodec.batchRecord();
    private static final byte[] HEADER = header();
    /** Avro union branch indexes of BatchRecord.item and .seal (["null", X]). */
    private static final int NULL_BRANCH = 0;

    private static final int VALUE_BRANCH = 1;
    /** What follows the item's datum: the null branch of seal. */
    private static final byte[] ITEM_TAIL = encoded(encoder -> encoder.writeIndex(NULL_BRANCH));

    private final ValueFormat format;
    /**
     * Per group key, the bytes before the datum of its open batch's items (header, batchId, groupKey, item branch):
     * the same for a thousand items in a row, so built once per batch, not per item.
     */
    private final Map<String, Prefix> prefixes = new HashMap<>();

    private record Prefix(String batchId, byte[] bytes) {}

    BatchRecords(ValueFormat format) {
        this.format = format;
    }

    byte[] item(String batchId, String groupKey, PreparedItem item) {
        if (format == ValueFormat.JSON) {
            return CODEC.encode(new BatchRecord(batchId, groupKey, item.item(), null), format);
        }
        Prefix prefix = prefixes.get(groupKey);
        if (prefix == null || !prefix.batchId().equals(batchId)) {
            prefix = new Prefix(batchId, encoded(encoder -> {
                encoder.writeFixed(HEADER);
                encoder.writeString(batchId);
                encoder.writeString(groupKey);
                encoder.writeIndex(VALUE_BRANCH);
            }));
            prefixes.put(groupKey, prefix);
        }
        byte[] head = prefix.bytes();
        int datumLength = item.datumLength();
        byte[] record = new byte[head.length + datumLength + ITEM_TAIL.length];
        System.arraycopy(head, 0, record, 0, head.length);
        System.arraycopy(item.wire(), PreparedItem.DATUM_OFFSET, record, head.length, datumLength);
        System.arraycopy(ITEM_TAIL, 0, record, head.length + datumLength, ITEM_TAIL.length);
        return record;
    }

    private interface Writes {
        void to(BinaryEncoder encoder) throws IOException;
    }

    private static byte[] encoded(Writes writes) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(128);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(buffer, null);
        try {
            writes.to(encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    byte[] seal(String batchId, String groupKey, BatchSeal seal) {
        return CODEC.encode(new BatchRecord(batchId, groupKey, null, seal), format);
    }

    private static byte[] header() {
        long fingerprint = SchemaNormalization.parsingFingerprint64(BatchRecord.getClassSchema());
        return ByteBuffer.allocate(10)
                .order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 0xC3)
                .put((byte) 0x01)
                .putLong(fingerprint)
                .array();
    }
}
