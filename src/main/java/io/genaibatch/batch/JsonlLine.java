package io.genaibatch.batch;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One line of the Gemini batch JSONL input file: {@code {"key": "<line key>", "request": <request JSON>}} and a
 * newline, the key being the item's {@link LineKey}. The accumulator counts a batch's bytes with {@link #size} and the submitter writes the file with
 * {@link #write}: both use this class, so a sealed batch's byte count is exactly the size of its file.
 *
 * <p>The request JSON must be compact enough to sit on one line (no raw CR or LF); the accumulator stores it that
 * way in every {@code BatchItem}. Stateless and thread-safe.
 */
public final class JsonlLine {
    private static final byte[] PREFIX = "{\"key\": \"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MIDDLE = "\", \"request\": ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUFFIX = "}\n".getBytes(StandardCharsets.US_ASCII);
    private static final int FIXED_BYTES = PREFIX.length + MIDDLE.length + SUFFIX.length;

    private JsonlLine() {}

    /** The number of bytes {@link #write} writes for this line, newline included, without building it. */
    public static long size(String requestId, String requestJson) {
        requireOneLine(requestJson);
        return FIXED_BYTES + escapedKeyLength(requestId) + utf8Length(requestJson);
    }

    /**
     * {@link #size} for a request JSON whose UTF-8 length the caller already knows, and which it knows to be on one
     * line (no raw CR or LF): the same number, without a pass over the JSON's characters.
     */
    public static long size(String requestId, long requestJsonUtf8Length) {
        return FIXED_BYTES + escapedKeyLength(requestId) + requestJsonUtf8Length;
    }

    /** Writes the line, newline included. */
    public static void write(OutputStream out, String requestId, String requestJson) throws IOException {
        requireOneLine(requestJson);
        out.write(PREFIX);
        out.write(escapedKey(requestId));
        out.write(MIDDLE);
        out.write(requestJson.getBytes(StandardCharsets.UTF_8));
        out.write(SUFFIX);
    }

    /** The item's line as bytes, newline included, keyed by its {@link LineKey}. */
    public static byte[] bytes(io.genaibatch.records.BatchItem item) {
        return bytes(LineKey.of(item), item.getRequest());
    }

    /**
     * The line as bytes, newline included: the bytes {@link #write} writes. Built in one array of its exact size from
     * the request's own UTF-8 bytes, without {@link #size}'s pass over its characters: the submitter builds one per
     * request, and counting the UTF-8 length of each 4 KB request char by char took most of its time spooling a batch.
     */
    public static byte[] bytes(String requestId, String requestJson) {
        requireOneLine(requestJson);
        byte[] key = escapedKeyOrNull(requestId);
        if (key == null) {
            key = requestId.getBytes(StandardCharsets.US_ASCII); // printable ASCII, nothing to escape
        }
        byte[] json = requestJson.getBytes(StandardCharsets.UTF_8);
        byte[] line = new byte[FIXED_BYTES + key.length + json.length];
        int at = put(line, 0, PREFIX);
        at = put(line, at, key);
        at = put(line, at, MIDDLE);
        at = put(line, at, json);
        put(line, at, SUFFIX);
        return line;
    }

    private static int put(byte[] line, int at, byte[] part) {
        System.arraycopy(part, 0, line, at, part.length);
        return at + part.length;
    }

    private static byte[] escapedKey(String requestId) {
        return JsonStringEncoder.getInstance().quoteAsUTF8(requestId);
    }

    /** The length of {@link #escapedKey}; without building it when every character is printable ASCII that needs no escape. */
    static int escapedKeyLength(String requestId) {
        byte[] key = escapedKeyOrNull(requestId);
        return key == null ? requestId.length() : key.length;
    }

    /** {@link #escapedKey}, or null when every character is printable ASCII that needs no escape (the key as is). */
    private static byte[] escapedKeyOrNull(String requestId) {
        for (int i = 0; i < requestId.length(); i++) {
            char c = requestId.charAt(i);
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
                return escapedKey(requestId);
            }
        }
        return null;
    }

    private static void requireOneLine(String requestJson) {
        if (requestJson.indexOf('\n') >= 0 || requestJson.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("request JSON must be on one line (compact), found a line break in it");
        }
    }

    /** UTF-8 length of a Java string, counting an unpaired surrogate as the '?' (1 byte) that getBytes writes. */
    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                n += 1;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
