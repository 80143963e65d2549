package io.genaibatch.poll;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genaibatch.gemini.ApiError;
import io.genaibatch.gemini.InlineResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Optional;

/**
 * A job's results as a local JSONL file in the service's output format, one {@code {"key": .., "response": ..}}
 * or {@code {"key": .., "error": {code, message, status}}} per line: the downloaded responses file as it is, or
 * inline results written in the same shape. One reader then serves both output forms, and a result is found
 * again by the byte offset and length of its line, so nothing of it stays on the heap between the two passes.
 */
final class ResultFile {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int INITIAL_LINE_BUFFER = 8 << 10;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private ResultFile() {}

    /**
     * One parsed result: its key when it has a usable one, and a response or the API's error for it. Neither when the
     * line has neither, or is not a JSON object: that is our finding about the line, not an answer of the API, so it
     * is no {@link ApiError} (the publisher answers it {@code RESULT_UNREADABLE}).
     */
    record Result(Optional<String> key, Optional<Response> response, Optional<ApiError> error) {}

    /**
     * A response as it came back: its JSON text, the very characters of the line (not parsed and written again), and
     * its {@code usageMetadata} object when it has one.
     */
    record Response(String json, JsonNode usageMetadata) {}

    /** Receives each line of the file with its position; {@code bytes} is only valid during the call. */
    @FunctionalInterface
    interface LineVisitor {
        void line(long offset, byte[] bytes, int length) throws IOException;
    }

    /**
     * Writes inline results to {@code target} in the file shape (key left out when the service did not echo it),
     * through a temporary file moved into place once complete.
     *
     * @return the number of results written
     */
    static long writeInline(Iterator<InlineResult> results, Path target) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        long n = 0;
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(part), 64 << 10)) {
            while (results.hasNext()) {
                InlineResult r = results.next();
                ObjectNode line = MAPPER.createObjectNode();
                r.key().ifPresent(k -> line.put("key", k));
                if (r.error().isPresent()) {
                    ApiError e = r.error().get();
                    line.putObject("error")
                            .put("code", e.code())
                            .put("message", e.message())
                            .put("status", e.status());
                } else {
                    line.set("response", r.response().orElseGet(MAPPER::createObjectNode));
                }
                out.write(MAPPER.writeValueAsBytes(line));
                out.write('\n');
                n++;
            }
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return n;
    }

    /** Calls the visitor for every non-blank line, in file order, with its byte offset. */
    static void forEachLine(Path file, LineVisitor visitor) throws IOException {
        byte[] line = new byte[INITIAL_LINE_BUFFER];
        byte[] chunk = new byte[64 << 10];
        try (InputStream in = Files.newInputStream(file)) {
            long consumed = 0;
            long lineStart = 0;
            int len = 0;
            int n;
            while ((n = in.read(chunk)) > 0) {
                int from = 0;
                for (int i = newline(chunk, 0, n); i >= 0; i = newline(chunk, i + 1, n)) {
                    line = append(line, len, chunk, from, i - from);
                    len += i - from;
                    emit(visitor, lineStart, line, len);
                    lineStart = consumed + i + 1;
                    len = 0;
                    from = i + 1;
                }
                line = append(line, len, chunk, from, n - from);
                len += n - from;
                consumed += n;
            }
            emit(visitor, lineStart, line, len);
        }
    }

    /**
     * The index of the first '\n' in {@code bytes[from..to)}, or -1: eight bytes at a time (a byte-by-byte loop over
     * the 1 GB results file was the largest part of indexing its results).
     */
    static int newline(byte[] bytes, int from, int to) {
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long v = (long) LONGS.get(bytes, i) ^ 0x0A0A0A0A0A0A0A0AL;
            // A byte of v is zero where a '\n' is; the lowest such byte sets the lowest bit here (SWAR zero-byte test).
            long zero = (v - 0x0101010101010101L) & ~v & 0x8080808080808080L;
            if (zero != 0) {
                return i + (Long.numberOfTrailingZeros(zero) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static byte[] append(byte[] line, int len, byte[] src, int from, int count) {
        byte[] out = line;
        if (len + count > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, len + count));
        }
        System.arraycopy(src, from, out, len, count);
        return out;
    }

    private static void emit(LineVisitor visitor, long offset, byte[] buf, int len) throws IOException {
        int end = len;
        if (end > 0 && buf[end - 1] == '\r') {
            end--;
        }
        boolean blank = true;
        for (int i = 0; i < end && blank; i++) {
            blank = Character.isWhitespace(buf[i]);
        }
        if (!blank) {
            visitor.line(offset, buf, end);
        }
    }

    /** The bytes of the line at this position. */
    static byte[] read(FileChannel file, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (file.read(b, offset + b.position()) < 0) {
                throw new IOException("results file ends before the line at offset " + offset + " (" + length
                        + " bytes): it changed since it was indexed");
            }
        }
        return b.array();
    }

    /**
     * The line's key, read without building the rest of the line (a result may hold a long embedding); empty when
     * the line is not a JSON object or has no textual, non-empty key.
     */
    static Optional<String> keyOf(byte[] bytes, int length) {
        try (JsonParser p = MAPPER.getFactory().createParser(bytes, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("key")) {
                    return t == JsonToken.VALUE_STRING && !p.getText().isEmpty()
                            ? Optional.of(p.getText())
                            : Optional.empty();
                }
                p.skipChildren();
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Parses one line. A line that is not a JSON object, or has no textual non-empty key, has no key: it is attached
     * to no request. A line with neither response nor error has neither in its result.
     *
     * <p>Streamed: the response is skipped over, not built as a tree, and kept as the text it spans in the line; only
     * its {@code usageMetadata} is read. Each of a batch's responses is published once, so its parsing and writing
     * back again cost as much as the rest of the publication together.
     */
    static Result parse(byte[] bytes, int length) {
        Optional<String> key = Optional.empty();
        Response response = null;
        ApiError error = null;
        try (JsonParser p = MAPPER.getFactory().createParser(bytes, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return unreadable(Optional.empty());
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("key")) {
                    key = t == JsonToken.VALUE_STRING && !p.getText().isEmpty()
                            ? Optional.of(p.getText())
                            : Optional.empty();
                } else if (field.equals("error") && t == JsonToken.START_OBJECT) {
                    JsonNode e = p.readValueAsTree();
                    error = new ApiError(
                            e.path("code").asInt(0),
                            e.path("status").asText(""),
                            e.path("message").asText(""));
                } else if (field.equals("response") && t == JsonToken.START_OBJECT) {
                    int start = (int) p.currentTokenLocation().getByteOffset();
                    JsonNode usage = usageMetadata(p);
                    int end = (int) p.currentLocation().getByteOffset();
                    response = new Response(new String(bytes, start, end - start, StandardCharsets.UTF_8), usage);
                } else {
                    p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            return unreadable(Optional.empty());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (error != null) {
            return new Result(key, Optional.empty(), Optional.of(error));
        }
        if (response != null) {
            return new Result(key, Optional.of(response), Optional.empty());
        }
        return unreadable(key);
    }

    private static Result unreadable(Optional<String> key) {
        return new Result(key, Optional.empty(), Optional.empty());
    }

    /** Reads through the object the parser is at the start of; returns its usageMetadata object, or null. */
    private static JsonNode usageMetadata(JsonParser p) throws IOException {
        JsonNode usage = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            if (p.nextToken() == JsonToken.START_OBJECT && field.equals("usageMetadata")) {
                usage = p.readValueAsTree();
            } else {
                p.skipChildren();
            }
        }
        return usage;
    }
}
