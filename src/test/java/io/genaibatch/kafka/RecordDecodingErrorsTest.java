package io.genaibatch.kafka;

import static io.genaibatch.kafka.RecordCodecTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.WindowPolicy;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Every way a value can be unreadable gives a {@link RecordDecodingException} whose message a person can act
 * on: what was expected, what was found, which field. Messages are asserted whole where they are short,
 * because a vague message is the bug these tests exist to catch.
 */
class RecordDecodingErrorsTest {
    private static final String VALID_JSON =
            "{\"model\":\"gemini-2.5-flash\",\"kind\":\"GENERATE\",\"request\":{\"contents\":[]}}";

    private final RecordCodec<GenAiRequest> requests = RecordCodec.genAiRequest();
    private final RecordCodec<BatchRecord> batches = RecordCodec.batchRecord();
    private final RecordCodec<WindowPolicy> policies = RecordCodec.windowPolicy();

    @Test
    void shouldRejectEmptyBytes() {
        assertThat(failure(requests, new byte[0]))
                .hasMessage(
                        "cannot decode GenAiRequest: expected Avro single-object encoding (0xC3 0x01) or a JSON object, found 0 bytes");
    }

    @Test
    void shouldRejectNull() {
        assertThat(failure(requests, null)).hasMessageEndingWith("found null");
    }

    @Test
    void shouldRejectBytesThatAreNeitherAvroNorJsonShowingTheFirstBytes() {
        assertThat(failure(requests, new byte[] {0x7F, 0x01, 0x02, 0x03, 0x04}))
                .hasMessage(
                        "cannot decode GenAiRequest: expected Avro single-object encoding (0xC3 0x01) or a JSON object, "
                                + "found 5 bytes starting 0x7F 0x01 0x02 0x03 0x04");
        assertThat(failure(requests, utf8("hello, this is plain text")))
                .hasMessageEndingWith("found 25 bytes starting 0x68 0x65 0x6C 0x6C 0x6F 0x2C 0x20 0x74 ...");
    }

    @Test
    void shouldRejectRandomBytes() {
        byte[] random = new java.util.Random(42)
                .ints(64, 0, 256)
                .collect(
                        java.io.ByteArrayOutputStream::new,
                        (out, b) -> out.write(b),
                        (a, b) -> a.writeBytes(b.toByteArray()))
                .toByteArray();
        random[0] = 0x15; // a seed could start with 0xC3 0x01 or '{'; this one must not

        assertThat(failure(requests, random))
                .hasMessageStartingWith(
                        "cannot decode GenAiRequest: expected Avro single-object encoding (0xC3 0x01) or a JSON object, found 64 bytes starting 0x15 ");
    }

    @Test
    void shouldHintAtSchemaRegistryFramingWhenTheValueStartsWithZero() {
        assertThat(failure(requests, new byte[] {0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03}))
                .hasMessageContaining(
                        "found 7 bytes starting 0x00 0x00 0x00 0x00 0x01 0x02 0x03 (this looks like Confluent Schema Registry framing");
    }

    @Test
    void shouldRejectAJsonValueThatIsNotAnObject() {
        assertThat(failure(requests, utf8("  [" + VALID_JSON + "]")))
                .hasMessage("cannot decode GenAiRequest: expected a JSON object, found a JSON array");
        assertThat(failure(requests, utf8("\"gemini\"")))
                .hasMessageEndingWith("(if this is JSON, it is a JSON value that is not an object)");
    }

    @Test
    void shouldRejectATruncatedAvroHeader() {
        byte[] avro = requests.encode(SampleRecords.fullRequest(), ValueFormat.AVRO);

        assertThat(failure(requests, Arrays.copyOf(avro, 6)))
                .hasMessage(
                        "cannot decode GenAiRequest: Avro single-object header is truncated: found 6 bytes, need at least 10");
    }

    @Test
    void shouldRejectTruncatedAvro() {
        byte[] avro = requests.encode(SampleRecords.fullRequest(), ValueFormat.AVRO);

        RecordDecodingException e = failure(requests, Arrays.copyOf(avro, avro.length - 5));

        assertThat(e)
                .hasMessage("cannot decode GenAiRequest: Avro GenAiRequest body is truncated or corrupt ("
                        + (avro.length - 5) + " bytes): the data ends early");
        assertThat(e).hasRootCauseInstanceOf(java.io.EOFException.class); // kept for the log, not shown in the message
        assertThat(failure(requests, Arrays.copyOf(avro, 10))).hasMessageEndingWith("(10 bytes): the data ends early");
    }

    @Test
    void shouldRejectCorruptAvroClaimingAHugeLengthWithoutRunningOutOfMemory() {
        byte[] avro = requests.encode(SampleRecords.fullRequest(), ValueFormat.AVRO);
        byte[] corrupt = Arrays.copyOf(avro, 20);
        // The first field's length, as a zig-zag varint: about 1 GB, more than the test heap spares.
        byte[] hugeLength = {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
        System.arraycopy(hugeLength, 0, corrupt, 10, hugeLength.length);

        assertThat(failure(requests, corrupt))
                .hasMessage(
                        "cannot decode GenAiRequest: Avro GenAiRequest body is truncated or corrupt (20 bytes): the data ends early");
    }

    @Test
    void shouldRejectCorruptAvroWithABadUnionIndex() {
        GenAiRequest request = SampleRecords.minimalRequest();
        byte[] avro = requests.encode(request, ValueFormat.AVRO);
        // The last byte is the requestId union index (0 = null); 0x06 means branch 3, which does not exist.
        avro[avro.length - 1] = 0x06;

        assertThat(failure(requests, avro))
                .hasMessageStartingWith("cannot decode GenAiRequest: Avro GenAiRequest body is truncated or corrupt ("
                        + avro.length + " bytes): ");
    }

    @Test
    void shouldRejectAvroFollowedByMoreBytes() {
        byte[] avro = requests.encode(SampleRecords.minimalRequest(), ValueFormat.AVRO);

        assertThat(failure(requests, Arrays.copyOf(avro, avro.length + 3)))
                .hasMessage(
                        "cannot decode GenAiRequest: Avro GenAiRequest is followed by 3 unexpected bytes (corrupt, or more than one record in the value)");
    }

    @Test
    void shouldNameTheRecordWhenAvroOfAnotherTopicArrives() {
        byte[] job = RecordCodec.batchJob().encode(SampleRecords.fullJob(), ValueFormat.AVRO);

        assertThat(failure(requests, job))
                .hasMessageStartingWith("cannot decode GenAiRequest: expected Avro GenAiRequest (schema fingerprint 0x")
                .hasMessageEndingWith("found Avro BatchJob (wrong topic?)");
    }

    @Test
    void shouldRejectAnUnknownFingerprint() {
        byte[] avro = requests.encode(SampleRecords.fullRequest(), ValueFormat.AVRO);
        Arrays.fill(avro, 2, 10, (byte) 0xAB);

        assertThat(failure(requests, avro))
                .hasMessageStartingWith("cannot decode GenAiRequest: expected Avro GenAiRequest (schema fingerprint 0x")
                .hasMessageContaining(
                        "found an unknown schema fingerprint 0xabababababababab (another record type, or a schema version");
    }

    @Test
    void shouldNameAMissingRequiredField() {
        assertThat(failure(requests, utf8("{\"kind\":\"GENERATE\",\"request\":{}}")))
                .hasMessage("cannot decode GenAiRequest: field 'model' is required");
        assertThat(failure(requests, utf8("{\"model\":null,\"kind\":\"GENERATE\",\"request\":{}}")))
                .hasMessage("cannot decode GenAiRequest: field 'model' is required, found null");
    }

    @Test
    void shouldNameAMissingRequiredFieldOfANestedRecordByItsPath() {
        String item =
                "{\"batchId\":\"b\",\"groupKey\":\"g\",\"item\":{\"key\":\"AA==\",\"model\":\"m\",\"kind\":\"EMBED\",\"request\":{}}}";

        assertThat(failure(batches, utf8(item)))
                .hasMessage("cannot decode BatchRecord: field 'item.requestId' is required");
    }

    @Test
    void shouldNameTheFieldOfAnUnknownEnumSymbol() {
        assertThat(failure(requests, utf8(VALID_JSON.replace("\"GENERATE\"", "\"GEN\""))))
                .hasMessage(
                        "cannot decode GenAiRequest: JSON field 'kind': expected one of GENERATE, EMBED, found 'GEN'");
    }

    @Test
    void shouldNameTheFieldOfAValueOfTheWrongType() {
        assertThat(failure(requests, utf8(VALID_JSON.replace("\"gemini-2.5-flash\"", "5"))))
                .hasMessage("cannot decode GenAiRequest: JSON field 'model': expected a string, found number 5");
        assertThat(failure(requests, utf8(VALID_JSON.replace("}}", "},\"metadata\":{\"team\":1}}"))))
                .hasMessage(
                        "cannot decode GenAiRequest: JSON field 'metadata['team']': expected a string, found number 1");
        assertThat(failure(requests, utf8(VALID_JSON.replace("{\"contents\":[]}", "[1,2]"))))
                .hasMessage(
                        "cannot decode GenAiRequest: JSON field 'request': expected a JSON object, found a JSON array");
        assertThat(failure(policies, utf8("{\"maxRequests\":\"1000\",\"updatedBy\":\"ops\",\"updatedAt\":0}")))
                .hasMessage(
                        "cannot decode WindowPolicy: JSON field 'maxRequests': expected an integer (32-bit), found '1000'");
        assertThat(failure(policies, utf8("{\"maxRequests\":3000000000,\"updatedBy\":\"ops\",\"updatedAt\":0}")))
                .hasMessage(
                        "cannot decode WindowPolicy: JSON field 'maxRequests': expected an integer (32-bit), found number 3000000000");
        assertThat(failure(policies, utf8("{\"enabled\":\"yes\",\"updatedBy\":\"ops\",\"updatedAt\":0}")))
                .hasMessage("cannot decode WindowPolicy: JSON field 'enabled': expected true or false, found 'yes'");
    }

    @Test
    void shouldRejectARequestStringThatIsNotAJsonObject() {
        assertThat(failure(requests, utf8(VALID_JSON.replace("{\"contents\":[]}", "\"{contents\""))))
                .hasMessageStartingWith(
                        "cannot decode GenAiRequest: JSON field 'request': expected a JSON object or a string containing one, found a string that is not JSON (");
        assertThat(failure(requests, utf8(VALID_JSON.replace("{\"contents\":[]}", "\"[1]\""))))
                .hasMessage(
                        "cannot decode GenAiRequest: JSON field 'request': expected a JSON object or a string containing one, found a string containing a JSON array");
    }

    @Test
    void shouldRejectABadTimestamp() {
        assertThat(failure(policies, utf8("{\"updatedBy\":\"ops\",\"updatedAt\":\"yesterday\"}")))
                .hasMessage(
                        "cannot decode WindowPolicy: JSON field 'updatedAt': expected an ISO-8601 timestamp like 2025-01-31T12:00:00Z, "
                                + "or epoch milliseconds, found 'yesterday'");
    }

    @Test
    void shouldRejectBadBase64InANestedArray() {
        String json = new String(
                        batches.encode(SampleRecords.itemRecord(), ValueFormat.JSON),
                        java.nio.charset.StandardCharsets.UTF_8)
                .replace(Base64.getEncoder().encodeToString(new byte[] {(byte) 0xFE, 0x00}), "not base64!");

        assertThat(failure(batches, utf8(json)))
                .hasMessageStartingWith(
                        "cannot decode BatchRecord: JSON field 'item.headers[1].value': expected a base64 string, found 'not base64!' (");
    }

    @Test
    void shouldRejectMalformedJsonWithItsPosition() {
        assertThat(failure(requests, utf8("{\"model\": \"m\", \"kind\": ")))
                .hasMessageStartingWith(
                        "cannot decode GenAiRequest: malformed JSON at line 1, column 24: Unexpected end-of-input");
        assertThat(failure(requests, utf8("{\"model\": \"m\",\n \"kind\": GENERATE}")))
                .hasMessageStartingWith("cannot decode GenAiRequest: malformed JSON at line 2, column ");
        assertThat(failure(requests, utf8(VALID_JSON + " {}")))
                .hasMessageStartingWith("cannot decode GenAiRequest: malformed JSON at line 1, column ");
    }

    @Test
    void shouldRejectDuplicateFieldsRatherThanPickOne() {
        assertThat(failure(requests, utf8("{\"model\":\"a\",\"model\":\"b\",\"kind\":\"GENERATE\",\"request\":{}}")))
                .hasMessageStartingWith("cannot decode GenAiRequest: malformed JSON at line 1, column ")
                .hasMessageContaining("Duplicate field 'model'");
    }

    @Test
    void shouldNeverPutAStackTraceOrParserLocationDumpInTheMessage() {
        byte[][] bad = {
            utf8("{\"model\": "),
            utf8("{\"model\": \"m\" \"kind\"}"),
            utf8("{\"model\":[}"),
            Arrays.copyOf(requests.encode(SampleRecords.fullRequest(), ValueFormat.AVRO), 40)
        };

        for (byte[] bytes : bad) {
            assertThat(failure(requests, bytes).getMessage())
                    .doesNotContain("\n")
                    .doesNotContain("[Source:")
                    .doesNotContain("com.fasterxml")
                    .doesNotContain("org.apache.avro");
        }
    }

    private static RecordDecodingException failure(RecordCodec<?> codec, byte[] bytes) {
        RecordDecodingException e = catchThrowableOfType(RecordDecodingException.class, () -> codec.decode(bytes));
        assertThat(e)
                .as("decoding %s should fail", bytes == null ? "null" : bytes.length + " bytes")
                .isNotNull();
        return e;
    }
}
