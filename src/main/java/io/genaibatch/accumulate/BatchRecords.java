package io.genaibatch.accumulate;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.BatchSeal;
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

    private final ValueFormat format;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(2048);
    private BinaryEncoder encoder;

    BatchRecords(ValueFormat format) {
        this.format = format;
    }

    byte[] item(String batchId, String groupKey, PreparedItem item) {
        if (format == ValueFormat.JSON) {
            return CODEC.encode(new BatchRecord(batchId, groupKey, item.item(), null), format);
        }
        buffer.reset();
        buffer.writeBytes(HEADER);
        encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
        try {
            encoder.writeString(batchId);
            encoder.writeString(groupKey);
            encoder.writeIndex(VALUE_BRANCH);
            encoder.writeFixed(item.datum());
            encoder.writeIndex(NULL_BRANCH);
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
        return ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).put((byte) 0xC3).put((byte) 0x01).putLong(fingerprint).array();
    }
}
