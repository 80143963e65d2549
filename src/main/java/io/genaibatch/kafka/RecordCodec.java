package io.genaibatch.kafka;

import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.WindowPolicy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Encodes one topic's value record as Avro single-object encoding or as plain JSON, and decodes either,
 * recognised from the bytes: Avro starts with the magic 0xC3 0x01 and the schema's 8-byte fingerprint,
 * JSON with '{' (after optional whitespace or a UTF-8 byte order mark). So any producer can write JSON
 * while the service writes Avro, with no schema registry. Immutable and thread-safe.
 *
 * @param <T> the generated record class
 */
public final class RecordCodec<T extends SpecificRecord> {
    private static final byte MAGIC_0 = (byte) 0xC3;
    private static final byte MAGIC_1 = (byte) 0x01;
    private static final int AVRO_HEADER_LENGTH = 10;
    private static final int SHOWN_BYTES = 8;

    /**
     * Every topic value record by fingerprint, so reading another topic's Avro says which record it is
     * ("found Avro BatchJob") instead of "unknown fingerprint". Immutable.
     */
    private static final Map<Long, String> VALUE_RECORDS_BY_FINGERPRINT = Stream.of(
                    GenAiRequest.getClassSchema(),
                    BatchRecord.getClassSchema(),
                    BatchJob.getClassSchema(),
                    GenAiResponse.getClassSchema(),
                    WindowPolicy.getClassSchema())
            .collect(Collectors.toUnmodifiableMap(SchemaNormalization::parsingFingerprint64, Schema::getName));

    private final Class<T> type;
    private final Schema schema;
    private final long fingerprint;
    private final BinaryMessageEncoder<T> avroEncoder;
    private final BinaryMessageDecoder<T> avroDecoder;
    private final JsonRecordConverter json;
    /**
     * The size of the last value encoded, as the next one's first buffer: a stream's values are mostly alike, and
     * growing a buffer from a small start copied each 4 KB response of a large batch five times. Racy on purpose
     * (only a hint), and capped so that one huge value leaves no lasting trace.
     */
    private volatile int lastEncodedSize = MIN_ENCODE_BUFFER;

    private static final int MIN_ENCODE_BUFFER = 256;
    private static final int MAX_ENCODE_BUFFER_HINT = 1 << 20;

    private RecordCodec(
            Class<T> type, Schema schema, BinaryMessageEncoder<T> avroEncoder, BinaryMessageDecoder<T> avroDecoder) {
        JsonRecordConverter.checkSupported(schema);
        this.type = type;
        this.schema = schema;
        this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        this.avroEncoder = avroEncoder;
        this.avroDecoder = avroDecoder;
        // The generated class's own model: it knows the generated classes and the Instant conversion.
        this.json = new JsonRecordConverter(SpecificData.getForClass(type));
    }

    /** Values of genai.requests. */
    public static RecordCodec<GenAiRequest> genAiRequest() {
        return new RecordCodec<>(
                GenAiRequest.class,
                GenAiRequest.getClassSchema(),
                GenAiRequest.getEncoder(),
                GenAiRequest.getDecoder());
    }

    /** Values of genai.batches. */
    public static RecordCodec<BatchRecord> batchRecord() {
        return new RecordCodec<>(
                BatchRecord.class, BatchRecord.getClassSchema(), BatchRecord.getEncoder(), BatchRecord.getDecoder());
    }

    /** Values of genai.jobs. */
    public static RecordCodec<BatchJob> batchJob() {
        return new RecordCodec<>(
                BatchJob.class, BatchJob.getClassSchema(), BatchJob.getEncoder(), BatchJob.getDecoder());
    }

    /** Values of genai.responses. */
    public static RecordCodec<GenAiResponse> genAiResponse() {
        return new RecordCodec<>(
                GenAiResponse.class,
                GenAiResponse.getClassSchema(),
                GenAiResponse.getEncoder(),
                GenAiResponse.getDecoder());
    }

    /** Values of genai.window-config. */
    public static RecordCodec<WindowPolicy> windowPolicy() {
        return new RecordCodec<>(
                WindowPolicy.class,
                WindowPolicy.getClassSchema(),
                WindowPolicy.getEncoder(),
                WindowPolicy.getDecoder());
    }

    public Class<T> type() {
        return type;
    }

    public Schema schema() {
        return schema;
    }

    /**
     * The bytes of {@code value} in {@code format}.
     *
     * @throws SerializationException when the record breaks its own schema (a required field is null)
     */
    public byte[] encode(T value, ValueFormat format) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(format, "format");
        try {
            return switch (format) {
                case AVRO -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream(lastEncodedSize);
                    avroEncoder.encode(value, out);
                    lastEncodedSize = Math.max(MIN_ENCODE_BUFFER, Math.min(MAX_ENCODE_BUFFER_HINT, out.size() + 64));
                    yield out.toByteArray();
                }
                case JSON -> json.write(value);
            };
        } catch (IOException | RuntimeException e) {
            // Avro reports a null required field as a NullPointerException naming it: keep its words.
            throw new SerializationException(
                    "cannot encode " + schema.getName() + " as " + format + ": " + e.getMessage(), e);
        }
    }

    /**
     * The record that {@code bytes} hold, in either encoding.
     *
     * @throws RecordDecodingException when the bytes are neither this record's Avro nor a JSON object of
     *     its fields; the message says what was expected and what was found
     */
    public T decode(byte[] bytes) {
        if (bytes == null) {
            throw failure("expected Avro single-object encoding (0xC3 0x01) or a JSON object, found null");
        }
        if (bytes.length >= 2 && bytes[0] == MAGIC_0 && bytes[1] == MAGIC_1) {
            return decodeAvro(bytes);
        }
        int first = firstNonWhitespace(bytes);
        if (first < bytes.length && bytes[first] == '{') {
            return decodeJson(bytes);
        }
        if (first < bytes.length && bytes[first] == '[') {
            throw failure("expected a JSON object, found a JSON array");
        }
        throw failure("expected Avro single-object encoding (0xC3 0x01) or a JSON object, found " + describe(bytes)
                + hint(bytes, first));
    }

    private T decodeAvro(byte[] bytes) {
        if (bytes.length < AVRO_HEADER_LENGTH) {
            throw failure("Avro single-object header is truncated: found " + bytes.length + " bytes, need at least "
                    + AVRO_HEADER_LENGTH);
        }
        long found = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (found != fingerprint) {
            String other = VALUE_RECORDS_BY_FINGERPRINT.get(found);
            throw failure("expected Avro " + schema.getName() + " (schema fingerprint " + hex(fingerprint) + "), found "
                    + (other != null
                            ? "Avro " + other + " (wrong topic?)"
                            : "an unknown schema fingerprint " + hex(found)
                                    + " (another record type, or a schema version this service does not know)"));
        }
        // First walk the datum without building it: Avro's reader allocates whatever length a corrupt
        // value claims (20 bytes saying "a 1 GB string follows" would throw OutOfMemoryError and kill the
        // stream thread), while skipping allocates nothing and hits the end of the bytes instead. Every
        // array and map element of our schemas takes at least one byte, so the walk is bounded too.
        ByteArrayInputStream body =
                new ByteArrayInputStream(bytes, AVRO_HEADER_LENGTH, bytes.length - AVRO_HEADER_LENGTH);
        try {
            GenericDatumReader.skip(schema, DecoderFactory.get().directBinaryDecoder(body, null));
        } catch (IOException | RuntimeException e) {
            throw corrupt(bytes, e);
        }
        // The walk reads unbuffered, so what is left is exactly what follows the record.
        if (body.available() > 0) {
            throw failure("Avro " + schema.getName() + " is followed by " + body.available()
                    + " unexpected bytes (corrupt, or more than one record in the value)");
        }
        try {
            return avroDecoder.decode(bytes);
        } catch (IOException | RuntimeException e) {
            throw corrupt(bytes, e);
        }
    }

    private RecordDecodingException corrupt(byte[] bytes, Exception e) {
        return failure(
                "Avro " + schema.getName() + " body is truncated or corrupt (" + bytes.length + " bytes): "
                        + rootCause(e),
                e);
    }

    private T decodeJson(byte[] bytes) {
        try {
            return type.cast(json.read(bytes, schema));
        } catch (JsonRecordConverter.InvalidJsonException e) {
            throw failure(e.getMessage(), e);
        }
    }

    private RecordDecodingException failure(String what) {
        return new RecordDecodingException("cannot decode " + schema.getName() + ": " + what);
    }

    private RecordDecodingException failure(String what, Throwable cause) {
        return new RecordDecodingException("cannot decode " + schema.getName() + ": " + what, cause);
    }

    /** Index of the first byte that is not JSON whitespace or part of a UTF-8 byte order mark. */
    private static int firstNonWhitespace(byte[] bytes) {
        int i = 0;
        if (bytes.length >= 3 && bytes[0] == (byte) 0xEF && bytes[1] == (byte) 0xBB && bytes[2] == (byte) 0xBF) {
            i = 3;
        }
        while (i < bytes.length && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == '\r')) {
            i++;
        }
        return i;
    }

    private static String describe(byte[] bytes) {
        if (bytes.length == 0) {
            return "0 bytes";
        }
        StringBuilder text = new StringBuilder()
                .append(bytes.length)
                .append(bytes.length == 1 ? " byte" : " bytes")
                .append(" starting");
        for (int i = 0; i < Math.min(bytes.length, SHOWN_BYTES); i++) {
            text.append(String.format(" 0x%02X", bytes[i]));
        }
        return bytes.length > SHOWN_BYTES ? text.append(" ...").toString() : text.toString();
    }

    /** Names the formats people most often send by mistake, so the fix is obvious. */
    private static String hint(byte[] bytes, int first) {
        if (bytes.length >= 5 && bytes[0] == 0) {
            return " (this looks like Confluent Schema Registry framing: genai-batch reads Avro single-object encoding, no registry)";
        }
        if (first < bytes.length) {
            byte b = bytes[first];
            if (b == '"' || b == '-' || (b >= '0' && b <= '9') || b == 't' || b == 'f' || b == 'n') {
                return " (if this is JSON, it is a JSON value that is not an object)";
            }
        }
        return "";
    }

    private static String hex(long fingerprint) {
        return "0x" + HexFormat.of().toHexDigits(fingerprint);
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof EOFException) {
            return "the data ends early";
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    @Override
    public String toString() {
        return "RecordCodec[" + schema.getFullName() + "]";
    }
}
