package io.genaibatch.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * One line of a Gemini batch JSONL input file: {@code {"key":"<requestId>","request":<request JSON>}\n}.
 * The accumulator counts a batch's bytes with {@link #size} and the submitter writes the same bytes with
 * {@link #encode}, so a sealed batch is exactly as large as the file or inline payload it becomes.
 */
public final class JsonlLine {
    private static final byte[] PREFIX = "{\"key\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MIDDLE = "\",\"request\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUFFIX = "}\n".getBytes(StandardCharsets.US_ASCII);
    private static final JsonFactory JSON = new JsonFactory();

    private JsonlLine() {
    }

    /**
     * @param requestId   the line's key, unique within the batch
     * @param requestJson the request as compact JSON (one line: no raw line breaks)
     */
    public static byte[] encode(String requestId, String requestJson) {
        byte[] key = JsonStringEncoder.getInstance().quoteAsUTF8(requestId);
        byte[] request = requestJson.getBytes(StandardCharsets.UTF_8);
        if (requestJson.indexOf('\n') >= 0 || requestJson.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("request JSON of " + requestId + " spans several lines; compact it first");
        }
        byte[] line = new byte[PREFIX.length + key.length + MIDDLE.length + request.length + SUFFIX.length];
        int at = 0;
        for (byte[] part : new byte[][] {PREFIX, key, MIDDLE, request, SUFFIX}) {
            System.arraycopy(part, 0, line, at, part.length);
            at += part.length;
        }
        return line;
    }

    /** The size in bytes of {@link #encode}'s result, newline included. */
    public static long size(String requestId, String requestJson) {
        return encode(requestId, requestJson).length;
    }

    /** Re-writes any JSON text as one compact line (what {@link #encode} needs). */
    public static String compact(String json) {
        try (var parser = JSON.createParser(json)) {
            var out = new java.io.StringWriter(json.length());
            try (JsonGenerator gen = JSON.createGenerator(out)) {
                parser.nextToken();
                gen.copyCurrentStructure(parser);
            }
            return out.toString();
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
        }
    }
}
