package io.genaibatch.accumulate;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.RequestKind;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.SystemLimitException;

/**
 * Decodes genai.requests values for the validate stage, as {@link RecordCodec#decode} does, and remembers where the
 * request JSON's UTF-8 bytes are so that the stage can size and re-encode it without converting it back from the
 * String (see {@link #utf8Length}).
 *
 * <p>A well-formed Avro single-object GenAiRequest, written the way Avro writers write it (positive block counts,
 * varints of at most 4 bytes), is read straight from the bytes: the same field values as Avro's reader gives (strings
 * decoded as UTF-8 with replacement, a {@code new HashMap} filled in wire order), without the codec's separate
 * bounds-checking walk, since every length is checked against the bytes left before it is used. Anything else (JSON,
 * another fingerprint, a truncated or corrupt body, an unusual but valid encoding, trailing bytes) goes to the codec
 * itself, so it succeeds or fails exactly as it did, with the same message. Not thread-safe: one per processor.
 */
final class RequestDecoder {
    private static final RecordCodec<GenAiRequest> CODEC = RecordCodec.genAiRequest();
    private static final int HEADER_LENGTH = 10;
    private static final long FINGERPRINT = SchemaNormalization.parsingFingerprint64(GenAiRequest.getClassSchema());
    /** Whether the schema is still the one this class reads: model, kind, request, metadata, requestId. */
    static final boolean SCHEMA_KNOWN = schemaKnown(GenAiRequest.getClassSchema());

    private static final RequestKind[] KINDS = kinds();
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private byte[] bytes;
    private int pos;
    private int end;

    // The last request JSON read straight from the bytes, when those bytes are well-formed UTF-8.
    private String lastRequest;
    private byte[] lastBytes;
    private int lastOffset;
    private int lastLength;

    /**
     * @throws io.genaibatch.kafka.RecordDecodingException exactly when {@link RecordCodec#decode} throws it
     */
    GenAiRequest decode(byte[] value) {
        lastRequest = null;
        lastBytes = null;
        GenAiRequest request = SCHEMA_KNOWN ? read(value) : null;
        return request != null ? request : CODEC.decode(value);
    }

    /** The UTF-8 length of {@code text} when it is the very String the last {@link #decode} read, else -1. */
    int utf8Length(String text) {
        return text != null && text == lastRequest ? lastLength : -1;
    }

    /** The bytes of {@link #utf8Length}: valid only when it is not -1. */
    byte[] utf8Bytes() {
        return lastBytes;
    }

    /** Where in {@link #utf8Bytes()} the text starts. */
    int utf8Offset() {
        return lastOffset;
    }

    /** A request's first two fields. */
    record ModelAndKind(String model, RequestKind kind) {}

    /**
     * The model (as written) and kind of an Avro GenAiRequest, read without the fields after them and without
     * checking those: what a repartition by group needs and no more ({@link RepartitionKeys}). Null when the value is
     * not one this class reads straight from the bytes: then {@link #decode} decides.
     */
    ModelAndKind modelAndKind(byte[] value) {
        if (!SCHEMA_KNOWN) {
            return null;
        }
        try {
            return head(value);
        } catch (SystemLimitException e) {
            return null;
        } finally {
            bytes = null;
        }
    }

    /** Starts reading {@code value} and reads its model and kind; null when the codec must decide. */
    private ModelAndKind head(byte[] value) {
        if (value == null
                || value.length < HEADER_LENGTH
                || value[0] != (byte) 0xC3
                || value[1] != (byte) 0x01
                || ByteBuffer.wrap(value, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() != FINGERPRINT) {
            return null;
        }
        bytes = value;
        pos = HEADER_LENGTH;
        end = value.length;
        String model = string();
        int kindIndex = varint();
        return model == null || kindIndex < 0 || kindIndex >= KINDS.length
                ? null
                : new ModelAndKind(model, KINDS[kindIndex]);
    }

    /** The request, or null when the codec must decide. */
    private GenAiRequest read(byte[] value) {
        try {
            ModelAndKind head = head(value);
            if (head == null) {
                return null;
            }
            int requestLength = length();
            if (requestLength < 0) {
                return null;
            }
            int requestOffset = pos;
            pos += requestLength;
            Map<String, String> metadata = map();
            if (metadata == null) {
                return null;
            }
            int branch = varint();
            String requestId;
            if (branch == 0) {
                requestId = null;
            } else if (branch == 1) {
                requestId = string();
                if (requestId == null) {
                    return null;
                }
            } else {
                return null;
            }
            if (pos != end) {
                return null;
            }
            String request = new String(value, requestOffset, requestLength, StandardCharsets.UTF_8);
            if (isWellFormedUtf8(value, requestOffset, requestLength)) {
                lastRequest = request;
                lastBytes = value;
                lastOffset = requestOffset;
                lastLength = requestLength;
            }
            return new GenAiRequest(head.model(), head.kind(), request, metadata, requestId);
        } catch (SystemLimitException e) {
            return null;
        } finally {
            bytes = null;
        }
    }

    /** A string as Avro reads it (UTF-8 with replacement), or null when unusual. */
    private String string() {
        int length = length();
        if (length < 0) {
            return null;
        }
        String s = length == 0 ? "" : new String(bytes, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    /** A string's or bytes' length that fits in what is left, or -1. */
    private int length() {
        int length = varint();
        if (length < 0 || length > end - pos) {
            return -1;
        }
        SystemLimitException.checkMaxStringLength(length);
        return length;
    }

    /** A map of strings as Avro's reader builds it, or null when unusual (a negative block count included). */
    private Map<String, String> map() {
        Map<String, String> map = new HashMap<>();
        long total = 0;
        for (int count = varint(); count != 0; count = varint()) {
            if (count < 0) {
                return null;
            }
            total += count;
            SystemLimitException.checkMaxCollectionLength(total);
            for (int i = 0; i < count; i++) {
                String key = string();
                String value = key == null ? null : string();
                if (value == null) {
                    return null;
                }
                map.put(key, value);
            }
        }
        return map;
    }

    /** A zig-zag varint of at most 4 bytes (0..2^27-1 and the negatives), or -1 when longer or cut off. */
    private int varint() {
        int raw = 0;
        for (int shift = 0; shift < 28; shift += 7) {
            if (pos >= end) {
                return -1;
            }
            int b = bytes[pos++] & 0xFF;
            raw |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        // Longer than 4 bytes: legal Avro, but not worth reading here. Make sure the caller gives up.
        pos = end + 1;
        return -1;
    }

    /**
     * Whether the bytes are well-formed UTF-8 (Unicode Table 3-7: no overlong forms, no surrogates, nothing above
     * U+10FFFF): exactly when decoding them to a String and encoding it back gives the same bytes.
     */
    static boolean isWellFormedUtf8(byte[] b, int offset, int length) {
        int i = offset;
        int end = offset + length;
        // ASCII, the common case, eight bytes at a time.
        while (i + 8 <= end && ((long) LONGS.get(b, i) & 0x8080808080808080L) == 0) {
            i += 8;
        }
        while (i < end) {
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xFF;
            if (c < 0xC2) {
                return false;
            } else if (c < 0xE0) {
                if (i + 1 >= end || (b[i + 1] & 0xC0) != 0x80) {
                    return false;
                }
                i += 2;
            } else if (c < 0xF0) {
                if (i + 2 >= end) {
                    return false;
                }
                int c1 = b[i + 1] & 0xFF;
                if ((c1 & 0xC0) != 0x80
                        || (b[i + 2] & 0xC0) != 0x80
                        || (c == 0xE0 && c1 < 0xA0)
                        || (c == 0xED && c1 >= 0xA0)) {
                    return false;
                }
                i += 3;
            } else if (c < 0xF5) {
                if (i + 3 >= end) {
                    return false;
                }
                int c1 = b[i + 1] & 0xFF;
                if ((c1 & 0xC0) != 0x80
                        || (b[i + 2] & 0xC0) != 0x80
                        || (b[i + 3] & 0xC0) != 0x80
                        || (c == 0xF0 && c1 < 0x90)
                        || (c == 0xF4 && c1 >= 0x90)) {
                    return false;
                }
                i += 4;
            } else {
                return false;
            }
        }
        return true;
    }

    private static boolean schemaKnown(Schema schema) {
        List<Schema.Field> f = schema.getFields();
        return f.size() == 5
                && f.get(0).name().equals("model")
                && f.get(0).schema().getType() == Schema.Type.STRING
                && f.get(1).name().equals("kind")
                && f.get(1).schema().getType() == Schema.Type.ENUM
                && f.get(1)
                        .schema()
                        .getEnumSymbols()
                        .equals(List.of(RequestKind.GENERATE.name(), RequestKind.EMBED.name()))
                && RequestKind.values().length == 2
                && f.get(2).name().equals("request")
                && f.get(2).schema().getType() == Schema.Type.STRING
                && f.get(3).name().equals("metadata")
                && f.get(3).schema().getType() == Schema.Type.MAP
                && f.get(3).schema().getValueType().getType() == Schema.Type.STRING
                && f.get(4).name().equals("requestId")
                && f.get(4).schema().getType() == Schema.Type.UNION
                && f.get(4).schema().getTypes().size() == 2
                && f.get(4).schema().getTypes().get(0).getType() == Schema.Type.NULL
                && f.get(4).schema().getTypes().get(1).getType() == Schema.Type.STRING;
    }

    private static RequestKind[] kinds() {
        return GenAiRequest.getClassSchema().getField("kind").schema().getEnumSymbols().stream()
                .map(RequestKind::valueOf)
                .toArray(RequestKind[]::new);
    }
}
