package io.genaibatch.accumulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.JsonlLine;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.Header;
import io.genaibatch.records.RequestKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * The validate stage's fast path (RequestDecoder reading the Avro bytes, the line size from the UTF-8 length, the
 * hand-written BatchItem encoder copying the request's bytes) against the plain path it replaces (RecordCodec.decode,
 * JsonlLine.size over the String, Avro's SpecificDatumWriter): same requests, same rejections, same bytes.
 */
class ValidateFastPathTest {
    private static final RecordCodec<GenAiRequest> CODEC = RecordCodec.genAiRequest();
    private static final RequestValidator.Source SOURCE =
            new RequestValidator.Source("genai.requests", 3, 1L << 33, 1_767_225_600_123L);
    private static final String HEAD = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"";
    private static final String TAIL = "\"}]}]}";

    /** Request JSON texts, valid and not, that stress the byte path. */
    private static final List<String> REQUESTS = List.of(
            HEAD + "plain ascii" + TAIL,
            HEAD + "Grüße 🌍 ∑ 日本語" + TAIL,
            HEAD + "escapes \\n \\r \\t \\\" \\\\ \\u0000 \\u2028 \\ud83c\\udf0d \\ud800 alone" + TAIL,
            HEAD + "lone surrogate \ud800 and \udc00 in the String" + TAIL,
            HEAD + "raw U+2028 \u2028 and U+0085 \u0085" + TAIL,
            "{\n  \"contents\": [{\"parts\": [{\"text\": \"pretty\"}]}]\n}",
            "{\r\n\"contents\":[{\"parts\":[{\"text\":\"crlf\"}]}],\"generationConfig\":{\"temperature\":0.10}}",
            "  " + HEAD + "leading and trailing blanks" + TAIL + " \t",
            "\u3000" + HEAD + "ideographic space" + TAIL,
            "\ufeff" + HEAD + "bom" + TAIL,
            HEAD + "x" + TAIL + "\u0000",
            "{\"contents\":[{\"parts\":[{\"text\":\"n\"}]}],\"generationConfig\":{\"seed\":" + "9".repeat(900) + "}}",
            "{\"contents\":[{\"parts\":[{\"text\":\"n\"}]}],\"generationConfig\":{\"seed\":" + "9".repeat(1200) + "}}",
            "{\"contents\":[{\"parts\":[{\"text\":\"n\"}]}],\"generationConfig\":{\"temperature\":1e400,\"x\":-0.0}}",
            "{\"contents\":[{\"parts\":[{\"text\":\"n\"}]}],\"generationConfig\":{\"temperature\":NaN}}",
            "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],\"contents\":[]}",
            "{\"contents\":[]}",
            "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]} trailing",
            "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]",
            "[1,2]",
            "",
            "{\"contents\":[{\"parts\":[{\"text\":\"ctl \u0001\"}]}]}",
            "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],\"tools\":{}}",
            "{\"content\":{\"parts\":[{\"text\":\"embed é\"}]},\"outputDimensionality\":768}",
            "{\"contents\":[{\"parts\":[{\"text\":\"" + "deep ".repeat(2000) + "\"}]}]," + "\"labels\":"
                    + "[".repeat(900) + "]".repeat(900) + "}",
            "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],\"labels\":" + "[".repeat(1100) + "]".repeat(1100) + "}",
            // Invalid JSON of every kind the parser reports: the JSON check reads the request's bytes on the fast path
            // and the String on the plain one, and a rejection's message must not depend on which.
            "{contents:[]}",
            "{'contents':[]}",
            "{\"contents\":[{\"parts\":[{\"text\":tru}]}]}",
            "{\"contents\":[{\"parts\":[{\"text\":nulx}]}]}",
            "{\"contents\":[{\"parts\":[{\"text\":trüe日本}]}]}",
            "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],🌍:1}",
            "{\"contents\":[{\"parts\":[{\"text\":\"é" + "\\q\"}]}]}",
            "{\"contents\":[{\"parts\":[{\"text\":\"\\u12G4\"}]}]}",
            "{\"contents\":[{\"parts\":[{\"text\":\"unclosed}]}]}",
            "{\"contents\":[{\"parts\":[{\"n\":01}]}]}",
            "{\"contents\":[{\"parts\":[{\"n\":-}]}]}",
            "{\"contents\":[{\"parts\":[{\"n\":1.}]}]}",
            "{\"contents\":[{\"parts\":[{\"n\":+1}]}]}",
            "{\"contents\":[{\"parts\":[{\"n\":1e}]}]}",
            "{\"contents\":[{\"parts\":[{\"t\":\"a\",}]}]}",
            "{\"contents\":[{\"parts\":[{\"t\" \"a\"}]}]}",
            "{\"contents\":[{\"parts\":[{\"t\":\"a\"}]}]}}",
            "{\"contents\":[{\"parts\":[{\"t\":\"a\"]}]}",
            "/* comment */ {\"contents\":[]}",
            "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],\"x\":1,\"x\":2}",
            "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],\"generationConfig\":{\"é🌍\":Infinity}}",
            "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]} {}",
            "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]} é",
            "{\"content\":{\"parts\":[{\"text\":\"a\"}]},\"outputDimensionality\":\"7.5\"}",
            "\u00e9{\"contents\":[]}",
            "{\u0000\"contents\":[]}",
            "\u0000{\"contents\":[]}",
            "{}\u0000\u0000",
            "{\"\u0000\":1}",
            "\uefbb{\"contents\":[]}",
            "{\"contents\":[{\"parts\":[{\"text\":\"" + "z".repeat(5000) + "\u0002\"}]}]}");

    @Test
    void shouldKnowTheSchemasItWasWrittenFor() {
        assertThat(RequestDecoder.SCHEMA_KNOWN).isTrue();
        assertThat(PreparedItem.Encoder.SCHEMA_KNOWN).isTrue();
    }

    @Test
    void shouldValidateEveryTrickyRequestExactlyAsThePlainPath() {
        int fast = 0;
        for (RequestKind kind : RequestKind.values()) {
            for (String json : REQUESTS) {
                for (Map<String, String> metadata : List.of(Map.<String, String>of(), metadata(7))) {
                    for (String requestId : Arrays.asList(null, "req-1", "id \"quoted\" é\\", "")) {
                        GenAiRequest request =
                                new GenAiRequest(" models/gemini-2.5-flash", kind, json, metadata, requestId);
                        fast += compare(CODEC.encode(request, ValueFormat.AVRO)) ? 1 : 0;
                        fast += compare(CODEC.encode(request, ValueFormat.JSON)) ? 1 : 0;
                    }
                }
            }
        }
        assertThat(fast).as("requests that took the byte path").isGreaterThan(50);
    }

    @Test
    void shouldValidateRequestsWhoseBytesAreNotWellFormedUtf8AsThePlainPath() {
        byte[][] bad = {
            {(byte) 0xC3, 0x28},
            {(byte) 0xC0, (byte) 0x80},
            {(byte) 0xED, (byte) 0xA0},
            {(byte) 0xFF, 0x41},
            {(byte) 0x80, 0x41},
            {(byte) 0xF4, (byte) 0x90},
            {(byte) 0xE2, (byte) 0x82}
        };
        for (byte[] b : bad) {
            byte[] value = CODEC.encode(
                    new GenAiRequest("gemini-2.5-flash", RequestKind.GENERATE, HEAD + "a@@b" + TAIL, Map.of(), "r"),
                    ValueFormat.AVRO);
            int at = indexOf(value, "@@".getBytes(StandardCharsets.US_ASCII));
            value[at] = b[0];
            value[at + 1] = b[1];
            assertThat(compare(value)).as("byte path for " + Arrays.toString(b)).isFalse();
        }
        // A request whose JSON has a raw invalid byte outside a string, too.
        byte[] value = CODEC.encode(
                new GenAiRequest("gemini-2.5-flash", RequestKind.GENERATE, HEAD + "a" + TAIL + "@", Map.of(), "r"),
                ValueFormat.AVRO);
        value[indexOf(value, "@".getBytes(StandardCharsets.US_ASCII))] = (byte) 0xFE;
        compare(value);
    }

    @Test
    void shouldDecodeOrRefuseEveryValueExactlyAsTheCodec() {
        Random random = new Random(7);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            GenAiRequest request = new GenAiRequest(
                    i % 5 == 0 ? "" : "m-" + i,
                    RequestKind.values()[i % 2],
                    HEAD + "é".repeat(i) + TAIL,
                    metadata(i % 9),
                    i % 3 == 0 ? null : "id-" + i);
            values.add(CODEC.encode(request, ValueFormat.AVRO));
        }
        List<byte[]> all = new ArrayList<>(values);
        for (byte[] value : values) {
            for (int cut = 0; cut < value.length; cut++) {
                all.add(Arrays.copyOf(value, cut));
            }
            all.add(Arrays.copyOf(value, value.length + 1));
            for (int k = 0; k < 30; k++) {
                byte[] flipped = value.clone();
                int at = 10 + random.nextInt(value.length - 10);
                flipped[at] = (byte) random.nextInt(256);
                all.add(flipped);
            }
        }
        // A map in two blocks, one of them with a negative count (legal Avro that Avro's own writer never writes).
        all.add(concat(header(values.get(0)), new byte[] {4, 'm', '1', 0, 8}, "{\"a\"".getBytes(), new byte[] {
            3, 2, 'k', 2, 'v', 0, 0
        }));
        all.add(concat(header(values.get(0)), new byte[] {4, 'm', '1', 0, 4}, "{}".getBytes(), new byte[] {
            2, 2, 'k', 2, 'v', 2, 2, 'j', 2, 'w', 0, 0
        }));
        // A varint written in more bytes than needed (legal, unusual).
        all.add(concat(
                header(values.get(0)),
                new byte[] {(byte) 0x84, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0, 'm', '1', 0, 4},
                "{}".getBytes(),
                new byte[] {0, 0}));
        all.add(concat(header(values.get(0)), new byte[] {4, 'm', '1', 4, 4}, "{}".getBytes(), new byte[] {0, 0}));
        all.add(concat(header(values.get(0)), new byte[] {4, 'm', '1', 0, 4}, "{}".getBytes(), new byte[] {0, 4}));

        for (byte[] value : all) {
            RequestDecoder decoder = new RequestDecoder();
            Object expected = decodeOrMessage(() -> CODEC.decode(value));
            Object found = decodeOrMessage(() -> decoder.decode(value));
            assertThat(found).isEqualTo(expected);
            if (found instanceof GenAiRequest request) {
                GenAiRequest e = (GenAiRequest) expected;
                assertThat(new ArrayList<>(request.getMetadata().entrySet()))
                        .isEqualTo(new ArrayList<>(e.getMetadata().entrySet()));
                int length = decoder.utf8Length(request.getRequest());
                if (length >= 0) {
                    assertThat(Arrays.copyOfRange(
                                    decoder.utf8Bytes(), decoder.utf8Offset(), decoder.utf8Offset() + length))
                            .isEqualTo(request.getRequest().getBytes(StandardCharsets.UTF_8));
                }
                assertThat(decoder.utf8Length(new String(request.getRequest()))).isEqualTo(-1);
            }
        }
    }

    @Test
    void shouldJudgeUtf8AsAStringRoundTripDoes() {
        Random random = new Random(11);
        byte[] pool = {
            0x41,
            0x7F,
            (byte) 0x80,
            (byte) 0xBF,
            (byte) 0xC0,
            (byte) 0xC1,
            (byte) 0xC2,
            (byte) 0xDF,
            (byte) 0xE0,
            (byte) 0xA0,
            (byte) 0x9F,
            (byte) 0xED,
            (byte) 0xEF,
            (byte) 0xF0,
            (byte) 0x90,
            (byte) 0x8F,
            (byte) 0xF4,
            (byte) 0xF5,
            (byte) 0xFF,
            0x00
        };
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[random.nextInt(20)];
            for (int k = 0; k < b.length; k++) {
                b[k] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : pool[random.nextInt(pool.length)];
            }
            int offset = b.length == 0 ? 0 : random.nextInt(b.length);
            int length = b.length - offset == 0 ? 0 : random.nextInt(b.length - offset + 1);
            byte[] slice = Arrays.copyOfRange(b, offset, offset + length);
            boolean roundTrips =
                    Arrays.equals(new String(slice, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8), slice);
            assertThat(RequestDecoder.isWellFormedUtf8(b, offset, length))
                    .as(Arrays.toString(slice))
                    .isEqualTo(roundTrips);
        }
        byte[] ascii = (HEAD + "x".repeat(100) + TAIL).getBytes(StandardCharsets.UTF_8);
        assertThat(RequestDecoder.isWellFormedUtf8(ascii, 3, ascii.length - 3)).isTrue();
        ascii[90] = (byte) 0x80;
        assertThat(RequestDecoder.isWellFormedUtf8(ascii, 3, ascii.length - 3)).isFalse();
    }

    @Test
    void shouldEncodeEveryItemAsAvrosWriter() throws IOException {
        List<List<Header>> headers = List.of(
                List.of(),
                List.of(
                        new Header("trace", ByteBuffer.wrap("t".getBytes())),
                        new Header("nil", null),
                        new Header("é", ByteBuffer.wrap(new byte[0])),
                        new Header(
                                "", ByteBuffer.wrap(new byte[] {1, 2, 3}, 1, 2).slice())));
        for (String json : REQUESTS) {
            for (List<Header> h : headers) {
                for (Map<String, String> metadata : List.of(Map.<String, String>of(), metadata(5))) {
                    BatchItem item = BatchItem.newBuilder()
                            .setRequestId("req-ü-1")
                            .setKey(ByteBuffer.wrap(new byte[] {0, (byte) 0xFF, 7}))
                            .setHeaders(h)
                            .setMetadata(metadata)
                            .setModel("gemini-2.5-flash")
                            .setKind(RequestKind.EMBED)
                            .setRequest(json)
                            .setRequestBytes(-5)
                            .setSourceTopic("t")
                            .setSourcePartition(-1)
                            .setSourceOffset(Long.MAX_VALUE)
                            .setReceivedAt(Instant.ofEpochMilli(-1))
                            .build();
                    byte[] expected = writer(item);
                    assertThat(new PreparedItem.Encoder().prepare(item).datum()).isEqualTo(expected);
                    byte[] utf8 = concat(new byte[] {9, 9}, json.getBytes(StandardCharsets.UTF_8), new byte[] {9});
                    int length = json.getBytes(StandardCharsets.UTF_8).length;
                    if (new String(utf8, 2, length, StandardCharsets.UTF_8).equals(json)) {
                        assertThat(new PreparedItem.Encoder()
                                        .prepare(item, utf8, 2, length)
                                        .datum())
                                .isEqualTo(expected);
                    }
                }
            }
        }
        // Items with a null where the schema has none still fail in Avro's writer, as before.
        BatchItem broken = new BatchItem();
        Object expected = decodeOrMessage(() -> writer(broken));
        assertThat(decodeOrMessage(() -> new PreparedItem.Encoder().prepare(broken)))
                .isEqualTo(expected)
                .isInstanceOf(String.class);
    }

    @Test
    void shouldSizeALineFromItsUtf8LengthAsFromItsText() {
        for (String id : List.of("req-1", "", "a\"b", "back\\slash", "tab\t", "é", "del\u007F", "🌍")) {
            for (String json : List.of("{}", HEAD + "Grüße 🌍" + TAIL)) {
                assertThat(JsonlLine.size(id, json.getBytes(StandardCharsets.UTF_8).length))
                        .as(id)
                        .isEqualTo(JsonlLine.size(id, json));
                assertThat(JsonlLine.size(id, json)).isEqualTo(JsonlLine.bytes(id, json).length);
            }
        }
        // An id Jackson cannot quote fails the same way in both.
        assertThat(decodeOrMessage(() -> JsonlLine.size("\ud800", 2)))
                .isEqualTo(decodeOrMessage(() -> JsonlLine.size("\ud800", "{}")))
                .asString()
                .startsWith("java.lang.IllegalArgumentException");
    }

    /**
     * Runs one value through the fast path and the plain path; asserts the same item and encoded bytes, or the same
     * rejection. Returns whether the fast path used the request's bytes.
     */
    private static boolean compare(byte[] value) {
        RequestValidator validator = new RequestValidator();
        RequestValidator plainValidator = new RequestValidator();
        byte[] key = "k".getBytes();
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace", "abc".getBytes());
        Object fast;
        boolean usedBytes = false;
        try {
            GenAiRequest request = validator.decode(value);
            BatchItem item = validator.validate(key, request, headers, SOURCE, m -> 10_000);
            usedBytes = validator.usesUtf8Of(item);
            PreparedItem prepared = validator.prepare(item);
            fast = List.of(item, prepared.requestBytes(), ByteBuffer.wrap(prepared.datum()));
        } catch (RecordDecodingException e) {
            fast = "undecodable: " + e.getMessage();
        } catch (RejectedRequestException e) {
            fast = e.rejection();
        }
        Object plain;
        try {
            GenAiRequest request = CODEC.decode(value);
            BatchItem item = plainValidator.validate(key, request, headers, SOURCE, m -> 10_000);
            assertThat(item.getRequestBytes())
                    .isEqualTo(JsonlLine.size(io.genaibatch.batch.LineKey.of(item), item.getRequest()));
            plain = List.of(item, item.getRequestBytes(), ByteBuffer.wrap(writer(item)));
        } catch (RecordDecodingException e) {
            plain = "undecodable: " + e.getMessage();
        } catch (RejectedRequestException e) {
            plain = e.rejection();
        }
        assertThat(fast).isEqualTo(plain);
        return usedBytes;
    }

    private static byte[] writer(BatchItem item) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<>(BatchItem.class).write(item, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private interface Action {
        Object run() throws Exception;
    }

    /** The result, or the exception's class and message. */
    private static Object decodeOrMessage(Action action) {
        try {
            return action.run();
        } catch (Exception e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    private static Map<String, String> metadata(int n) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put("key-" + (n - i) * 31 + (i % 2 == 0 ? "é" : ""), "v" + i + "🌍".repeat(i % 3));
        }
        return m;
    }

    private static byte[] header(byte[] value) {
        return Arrays.copyOf(value, 10);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not found");
    }
}
