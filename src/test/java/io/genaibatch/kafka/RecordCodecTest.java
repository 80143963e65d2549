package io.genaibatch.kafka;

import static io.genaibatch.kafka.SampleRecords.BINARY_KEY;
import static io.genaibatch.kafka.SampleRecords.GENERATE_RESPONSE_JSON;
import static io.genaibatch.kafka.SampleRecords.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.WindowPolicy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RecordCodecTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final RecordCodec<GenAiRequest> requests = RecordCodec.genAiRequest();
    private final RecordCodec<BatchRecord> batches = RecordCodec.batchRecord();
    private final RecordCodec<BatchJob> jobs = RecordCodec.batchJob();
    private final RecordCodec<GenAiResponse> responses = RecordCodec.genAiResponse();
    private final RecordCodec<WindowPolicy> policies = RecordCodec.windowPolicy();

    static Stream<Arguments> everyRecordInEveryFormat() {
        Stream<Arguments> samples = Stream.of(
                Arguments.of("full request", RecordCodec.genAiRequest(), SampleRecords.fullRequest()),
                Arguments.of("minimal request", RecordCodec.genAiRequest(), SampleRecords.minimalRequest()),
                Arguments.of("batch item", RecordCodec.batchRecord(), SampleRecords.itemRecord()),
                Arguments.of("batch seal", RecordCodec.batchRecord(), SampleRecords.sealRecord()),
                Arguments.of("full job", RecordCodec.batchJob(), SampleRecords.fullJob()),
                Arguments.of("minimal job", RecordCodec.batchJob(), SampleRecords.minimalJob()),
                Arguments.of("succeeded response", RecordCodec.genAiResponse(), SampleRecords.succeededResponse()),
                Arguments.of("rejected response", RecordCodec.genAiResponse(), SampleRecords.rejectedResponse()),
                Arguments.of("full policy", RecordCodec.windowPolicy(), SampleRecords.fullPolicy()),
                Arguments.of("empty policy", RecordCodec.windowPolicy(), SampleRecords.emptyPolicy()));
        return samples.flatMap(a -> Stream.of(ValueFormat.values())
                .map(format -> Arguments.of(a.get()[0] + " as " + format, a.get()[1], a.get()[2], format)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyRecordInEveryFormat")
    <T extends SpecificRecord> void shouldGiveBackAnEqualRecordAfterEncodingAndDecoding(
            String name, RecordCodec<T> codec, T record, ValueFormat format) {
        byte[] bytes = codec.encode(record, format);

        T decoded = codec.decode(bytes);

        assertThat(decoded).isEqualTo(record);
        assertThat(decoded).isInstanceOf(codec.type());
    }

    @Test
    void shouldWriteAvroSingleObjectEncodingWithTheSchemaFingerprint() {
        byte[] bytes = requests.encode(SampleRecords.fullRequest(), ValueFormat.AVRO);

        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        // What the generated class writes is exactly what we write: other Avro clients can read it.
        assertThat(ByteBuffer.wrap(bytes)).isEqualTo(toByteBuffer(SampleRecords.fullRequest()));
    }

    @Test
    void shouldDetectAvroAndJsonOfTheSameRecord() {
        GenAiRequest request = SampleRecords.fullRequest();

        assertThat(requests.decode(requests.encode(request, ValueFormat.AVRO))).isEqualTo(request);
        assertThat(requests.decode(requests.encode(request, ValueFormat.JSON))).isEqualTo(request);
        assertThat(requests.decode(GenAiRequestBytes.of(request))).isEqualTo(request);
    }

    @Test
    void shouldDecodeJsonRequestWithNestedRequestObject() {
        String json = """
                {"model": "gemini-2.5-flash", "kind": "GENERATE",
                 "request": {"contents": [{"parts": [{"text": "Hello, 世界"}]}]},
                 "metadata": {"team": "x"}}""";

        GenAiRequest request = requests.decode(utf8(json));

        assertThat(request.getModel()).isEqualTo("gemini-2.5-flash");
        assertThat(request.getKind()).isEqualTo(RequestKind.GENERATE);
        assertThat(request.getRequest()).isEqualTo("{\"contents\":[{\"parts\":[{\"text\":\"Hello, 世界\"}]}]}");
        assertThat(request.getMetadata()).isEqualTo(Map.of("team", "x"));
        assertThat(request.getRequestId()).isNull();
    }

    @Test
    void shouldAcceptTheRequestAsAStringContainingJson() {
        String json =
                "{\"model\":\"m\",\"kind\":\"EMBED\",\"request\":\"{\\\"content\\\": {\\\"parts\\\": [{\\\"text\\\": \\\"hi\\\"}]}}\"}";

        GenAiRequest request = requests.decode(utf8(json));

        assertThat(request.getRequest()).isEqualTo("{\"content\": {\"parts\": [{\"text\": \"hi\"}]}}");
    }

    @Test
    void shouldTakeSchemaDefaultsForMissingOptionalFieldsAndIgnoreUnknownFields() {
        String json =
                "{\"model\":\"m\",\"kind\":\"EMBED\",\"request\":{},\"priority\":\"high\",\"extra\":{\"a\":[1,2]}}";

        GenAiRequest request = requests.decode(utf8(json));

        assertThat(request.getMetadata()).isEmpty();
        assertThat(request.getRequestId()).isNull();
        assertThat(policies.decode(utf8("{\"updatedBy\":\"ops\",\"updatedAt\":0}")))
                .isEqualTo(new WindowPolicy(null, null, null, null, null, "ops", Instant.EPOCH));
        BatchJob job = jobs.decode(jobs.encode(SampleRecords.minimalJob(), ValueFormat.JSON));
        assertThat(job.getPublishedThrough()).isZero();
    }

    @Test
    void shouldTreatExplicitNullAsDefaultForAFieldWithADefault() {
        GenAiRequest request = requests.decode(
                utf8("{\"model\":\"m\",\"kind\":\"EMBED\",\"request\":{},\"metadata\":null,\"requestId\":null}"));

        assertThat(request.getMetadata()).isEmpty();
        assertThat(request.getRequestId()).isNull();
    }

    @Test
    void shouldDecodeJsonAfterWhitespaceAndAByteOrderMark() {
        byte[] json = utf8("\uFEFF \r\n\t{\"model\":\"m\",\"kind\":\"GENERATE\",\"request\":{}}\n");

        assertThat(requests.decode(json).getModel()).isEqualTo("m");
    }

    @Test
    void shouldWriteRequestJsonWithPlainFieldsAndTheRequestNested() throws Exception {
        JsonNode json = MAPPER.readTree(requests.encode(SampleRecords.fullRequest(), ValueFormat.JSON));

        assertThat(json.get("model").textValue()).isEqualTo("gemini-2.5-flash");
        assertThat(json.get("kind").textValue()).isEqualTo("GENERATE");
        assertThat(json.get("request").isObject()).isTrue();
        assertThat(json.at("/request/contents/0/parts/0/text").textValue())
                .isEqualTo("Grüße, 世界 — why is the sky blue? 🌍");
        assertThat(json.at("/metadata/schlüssel").textValue()).isEqualTo("wert ✓");
        assertThat(json.get("requestId").textValue()).isEqualTo("req-ü-1");
    }

    @Test
    void shouldWriteResponseJsonWithTheModelResponseNestedAndNoUnionWrappers() throws Exception {
        JsonNode success = MAPPER.readTree(responses.encode(SampleRecords.succeededResponse(), ValueFormat.JSON));
        JsonNode rejected = MAPPER.readTree(responses.encode(SampleRecords.rejectedResponse(), ValueFormat.JSON));

        assertThat(success.get("response")).isEqualTo(MAPPER.readTree(GENERATE_RESPONSE_JSON));
        assertThat(success.at("/usage/totalTokens").longValue()).isEqualTo(19L);
        assertThat(success.get("kind").textValue()).isEqualTo("GENERATE");
        assertThat(success.get("error").isNull()).isTrue();
        assertThat(rejected.get("error").get("code").textValue()).isEqualTo("INVALID_KIND");
        assertThat(rejected.get("error").get("httpStatus").isNull()).isTrue();
        assertThat(rejected.get("response").isNull()).isTrue();
        assertThat(rejected.get("kind").isNull()).isTrue();
    }

    @Test
    void shouldWriteTimestampsAsIsoStringsWithMilliseconds() throws Exception {
        JsonNode json = MAPPER.readTree(jobs.encode(SampleRecords.fullJob(), ValueFormat.JSON));
        JsonNode whole = MAPPER.readTree(policies.encode(
                new WindowPolicy(null, null, null, null, null, "ops", Instant.EPOCH), ValueFormat.JSON));

        assertThat(json.get("createdAt").textValue()).isEqualTo("2025-03-14T15:09:26.535Z");
        assertThat(json.get("endedAt").textValue()).isEqualTo("2025-03-14T16:07:46.535Z");
        assertThat(whole.get("updatedAt").textValue()).isEqualTo("1970-01-01T00:00:00.000Z");
    }

    @Test
    void shouldAcceptTimestampsAsIsoStringsWithAnyOffsetOrAsEpochMillis() {
        String template = "{\"updatedBy\":\"ops\",\"updatedAt\":%s}";

        assertThat(policies.decode(utf8(template.formatted("\"2025-03-14T15:09:26.535Z\"")))
                        .getUpdatedAt())
                .isEqualTo(T0);
        assertThat(policies.decode(utf8(template.formatted("\"2025-03-14T16:09:26.535+01:00\"")))
                        .getUpdatedAt())
                .isEqualTo(T0);
        assertThat(policies.decode(utf8(template.formatted(T0.toEpochMilli()))).getUpdatedAt())
                .isEqualTo(T0);
        // Sub-millisecond digits are dropped, as Avro's timestamp-millis would drop them.
        assertThat(policies.decode(utf8(template.formatted("\"2025-03-14T15:09:26.535999Z\"")))
                        .getUpdatedAt())
                .isEqualTo(T0);
    }

    @Test
    void shouldWriteBytesAsBase64AndReadThemBack() throws Exception {
        JsonNode json = MAPPER.readTree(batches.encode(SampleRecords.itemRecord(), ValueFormat.JSON));

        assertThat(Base64.getDecoder().decode(json.at("/item/key").textValue())).isEqualTo(BINARY_KEY);
        assertThat(Base64.getDecoder().decode(json.at("/item/headers/0/value").textValue()))
                .isEqualTo(utf8("responses-é"));
        assertThat(json.at("/item/headers/2/value").isNull()).isTrue();
        assertThat(json.at("/item/request").isObject()).isTrue();
        assertThat(json.get("seal").isNull()).isTrue();
    }

    @Test
    void shouldAcceptUrlSafeBase64ForBytes() {
        String standard = Base64.getEncoder().encodeToString(BINARY_KEY);
        String urlSafe = Base64.getUrlEncoder().encodeToString(BINARY_KEY);
        assertThat(urlSafe).isNotEqualTo(standard); // the sample key must contain '+' or '/' to prove anything

        String json = new String(batches.encode(SampleRecords.itemRecord(), ValueFormat.JSON), StandardCharsets.UTF_8)
                .replace(standard, urlSafe);

        assertThat(batches.decode(utf8(json))).isEqualTo(SampleRecords.itemRecord());
    }

    @Test
    void shouldKeepTheExactNumbersOfNestedRestJson() {
        String restJson = "{\"embedding\":{\"values\":[0.10,-1.5E-7,3,12345678901234567890,0.333333333333333333333]}}";
        GenAiResponse response = GenAiResponse.newBuilder(SampleRecords.succeededResponse())
                .setResponse(restJson)
                .build();

        GenAiResponse decoded = responses.decode(responses.encode(response, ValueFormat.JSON));

        assertThat(decoded.getResponse()).isEqualTo(restJson);
    }

    @Test
    void shouldKeepResponseTextThatIsNotJsonAsAString() {
        GenAiResponse response = GenAiResponse.newBuilder(SampleRecords.succeededResponse())
                .setResponse("{not json")
                .build();

        byte[] json = responses.encode(response, ValueFormat.JSON);

        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"response\":\"{not json\"");
        // Read back, a string must hold a JSON object: the bad text is refused rather than passed on silently.
        assertThatThrownBy(() -> responses.decode(json))
                .isInstanceOf(RecordDecodingException.class)
                .hasMessageContaining(
                        "JSON field 'response': expected a JSON object or a string containing one, found a string that is not JSON");
    }

    @Test
    void shouldRefuseToEncodeARecordWithoutARequiredFieldNamingIt() {
        GenAiRequest broken = SampleRecords.fullRequest();
        broken.setModel(null);

        for (ValueFormat format : ValueFormat.values()) {
            assertThatThrownBy(() -> requests.encode(broken, format))
                    .as(format.name())
                    .isInstanceOf(SerializationException.class)
                    .hasMessageStartingWith("cannot encode GenAiRequest as " + format)
                    .hasMessageContaining("model");
        }
    }

    private static ByteBuffer toByteBuffer(GenAiRequest request) {
        try {
            return request.toByteBuffer();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Bytes written by the generated class itself, not by our codec. */
    private static final class GenAiRequestBytes {
        static byte[] of(GenAiRequest request) {
            ByteBuffer buffer = toByteBuffer(request);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        }
    }
}
