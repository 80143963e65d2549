package io.genaibatch.bench;

import io.genaibatch.batch.JsonlLine;
import io.genaibatch.batch.LineKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * The requests of {@code bench submit-poll}, made from their number alone: request i has the key {@code k-i}, the
 * requestId {@code req-i} and a GENERATE request of exactly {@code requestBytes} bytes of JSON whose prompt starts with
 * {@code request i:} and goes on with words cut from one fixed random text. So the benchmark can write them twice
 * (to Kafka, and to the baseline file) and check every answer without keeping any of them.
 *
 * <p>The baseline's JSONL line is built here as bytes into a reusable buffer rather than through Strings, so that
 * the baseline times the disk, not the making of 1 GB of text; {@link #checkLine} compares it with
 * {@link JsonlLine#bytes}, the submitter's own line, so both sides write the same bytes.
 */
final class BenchRequests {
    private static final byte[] HEAD =
            "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAIL = "\"}]}]}".getBytes(StandardCharsets.US_ASCII);
    // The JSONL framing of JsonlLine, for the byte path of the baseline; checkLine keeps the two in step.
    private static final byte[] LINE_PREFIX = "{\"key\": \"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LINE_MIDDLE = "\", \"request\": ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LINE_SUFFIX = "}\n".getBytes(StandardCharsets.US_ASCII);
    /** Room for "request <i>: " with any int. */
    private static final int MAX_PROMPT_HEAD = "request 2147483647: ".length();

    static final int MIN_REQUEST_BYTES = HEAD.length + TAIL.length + MAX_PROMPT_HEAD + 16;

    private final int requestBytes;
    /** Lower-case words and spaces (ASCII: nothing to escape), longer than any prompt by {@link #SPAN}. */
    private final byte[] text;

    private static final int SPAN = 64 * 1024;

    BenchRequests(int requestBytes) {
        if (requestBytes < MIN_REQUEST_BYTES) {
            throw new IllegalArgumentException(
                    "--request-bytes must be at least " + MIN_REQUEST_BYTES + ", found " + requestBytes);
        }
        this.requestBytes = requestBytes;
        this.text = words(requestBytes + SPAN, new Random(42));
    }

    static String key(int i) {
        return "k-" + i;
    }

    static String requestId(int i) {
        return "req-" + i;
    }

    /** The genai.requests record request i stands for (the benchmark writes genai.batches directly). */
    static final String SOURCE_TOPIC = "genai.requests";

    /** The key of request i's line: {@link LineKey} of offset i of {@link #SOURCE_TOPIC} partition 0. */
    static String lineKey(int i) {
        return LineKey.of(SOURCE_TOPIC, 0, i);
    }

    /** The number in a key made by {@link #key}, or -1. */
    static int index(String key) {
        if (!key.startsWith("k-")) {
            return -1;
        }
        try {
            return Integer.parseInt(key, 2, key.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The text of request i's only part: what the emulator echoes back after "echo: ". */
    String prompt(int i) {
        byte[] head = promptHead(i);
        int fill = requestBytes - HEAD.length - TAIL.length - head.length;
        return new String(head, StandardCharsets.US_ASCII)
                + new String(text, offset(i), fill, StandardCharsets.US_ASCII);
    }

    /** Request i's JSON, exactly {@code requestBytes} bytes. */
    String requestJson(int i) {
        return new String(HEAD, StandardCharsets.US_ASCII) + prompt(i) + new String(TAIL, StandardCharsets.US_ASCII);
    }

    /** A buffer that holds any line of {@link #line}. */
    byte[] lineBuffer() {
        return new byte[LINE_PREFIX.length + 48 + LINE_MIDDLE.length + requestBytes + LINE_SUFFIX.length];
    }

    /** Writes request i's JSONL line into {@code buf}; returns its length. */
    int line(int i, byte[] buf) {
        int n = put(buf, 0, LINE_PREFIX);
        n = put(buf, n, lineKey(i).getBytes(StandardCharsets.US_ASCII));
        n = put(buf, n, LINE_MIDDLE);
        n = put(buf, n, HEAD);
        byte[] head = promptHead(i);
        n = put(buf, n, head);
        int fill = requestBytes - HEAD.length - TAIL.length - head.length;
        System.arraycopy(text, offset(i), buf, n, fill);
        n += fill;
        n = put(buf, n, TAIL);
        return put(buf, n, LINE_SUFFIX);
    }

    /** Fails when the baseline's line i is not the submitter's line i, byte for byte. */
    void checkLine(int i) {
        byte[] buf = lineBuffer();
        int n = line(i, buf);
        byte[] expected = JsonlLine.bytes(lineKey(i), requestJson(i));
        if (!Arrays.equals(expected, Arrays.copyOf(buf, n))) {
            throw new IllegalStateException("the baseline's line " + i + " differs from the submitter's (JsonlLine)");
        }
    }

    private static byte[] promptHead(int i) {
        return ("request " + i + ": ").getBytes(StandardCharsets.US_ASCII);
    }

    /** Where request i's filler starts in the text: spread, so that the lines differ. */
    private static int offset(int i) {
        return (int) ((i * 7919L) % SPAN);
    }

    private static int put(byte[] buf, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, buf, at, bytes.length);
        return at + bytes.length;
    }

    /** Random lower-case words of 2 to 9 letters, one space apart. */
    private static byte[] words(int length, Random random) {
        byte[] out = new byte[length];
        int i = 0;
        while (i < length) {
            int word = 2 + random.nextInt(8);
            for (int k = 0; k < word && i < length; k++) {
                out[i++] = (byte) ('a' + random.nextInt(26));
            }
            if (i < length) {
                out[i++] = ' ';
            }
        }
        return out;
    }
}
