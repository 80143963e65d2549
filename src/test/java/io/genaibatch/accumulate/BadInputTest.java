package io.genaibatch.accumulate;

import static io.genaibatch.accumulate.AccumulatorDriver.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BadInputTest {
    private static final String FLASH = "gemini-2.5-flash";

    /** One bad value each: its REJECTED response has the code and a message naming the field. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            garbage bytes           | UNDECODABLE     | \u0001\u0002 not a record      | expected Avro single-object encoding
            truncated JSON          | UNDECODABLE     | {"model": "m", "kind": | malformed JSON
            JSON array              | NOT_AN_OBJECT   | [1, 2, 3]              | an array, not an object
            JSON string             | NOT_AN_OBJECT   | "hello"                | a string, not an object
            missing kind            | MISSING_KIND    | {"model": "gemini-2.5-flash", "request": {"contents": [{"parts": [{"text": "x"}]}]}} | field 'kind' is required
            unknown kind            | INVALID_KIND    | {"model": "gemini-2.5-flash", "kind": "IMAGE", "request": {"contents": []}} | JSON field 'kind'
            missing model           | MISSING_MODEL   | {"kind": "GENERATE", "request": {"contents": [{"parts": [{"text": "x"}]}]}} | field 'model' is required
            empty model             | MISSING_MODEL   | {"model": " ", "kind": "GENERATE", "request": {"contents": [{"parts": [{"text": "x"}]}]}} | field 'model' is empty
            bad model name          | INVALID_MODEL   | {"model": "gemini 2.5", "kind": "GENERATE", "request": {"contents": [{"parts": [{"text": "x"}]}]}} | field 'model'
            missing request         | INVALID_REQUEST | {"model": "gemini-2.5-flash", "kind": "GENERATE"} | field 'request' is required
            request not JSON        | INVALID_REQUEST | {"model": "gemini-2.5-flash", "kind": "GENERATE", "request": "not json"} | JSON field 'request'
            no contents             | INVALID_REQUEST | {"model": "gemini-2.5-flash", "kind": "GENERATE", "request": {"generationConfig": {}}} | field 'request.contents' is missing
            contents not array      | INVALID_REQUEST | {"model": "gemini-2.5-flash", "kind": "GENERATE", "request": {"contents": {"parts": []}}} | field 'request.contents' must be an array
            part not object         | INVALID_REQUEST | {"model": "gemini-2.5-flash", "kind": "GENERATE", "request": {"contents": [{"parts": ["hi"]}]}} | field 'request.contents[0].parts[0]' must be a Part object
            bad generationConfig    | INVALID_REQUEST | {"model": "gemini-2.5-flash", "kind": "GENERATE", "request": {"contents": [{"parts": [{"text": "x"}]}], "generationConfig": 3}} | field 'request.generationConfig' must be an object
            embed without content   | INVALID_REQUEST | {"model": "gemini-embedding-001", "kind": "EMBED", "request": {"contents": [{"parts": [{"text": "x"}]}]}} | field 'request.content' is missing
            empty contents          | EMPTY_CONTENTS  | {"model": "gemini-2.5-flash", "kind": "GENERATE", "request": {"contents": []}} | field 'request.contents' is an empty array
            empty parts             | EMPTY_CONTENTS  | {"model": "gemini-2.5-flash", "kind": "GENERATE", "request": {"contents": [{"role": "user", "parts": []}]}} | field 'request.contents[0].parts' is an empty array
            embed empty parts       | EMPTY_CONTENTS  | {"model": "gemini-embedding-001", "kind": "EMBED", "request": {"content": {"parts": []}}} | field 'request.content.parts'
            requestId control char  | INVALID_REQUEST_ID | {"model": "gemini-2.5-flash", "kind": "GENERATE", "requestId": "a\\u0007b", "request": {"contents": [{"parts": [{"text": "x"}]}]}} | field 'requestId'
            """)
    void shouldRejectWithACodeNamingTheFieldAndCopyTheRawRecordToTheDlq(
            String name, String code, String value, String message) {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of())) {
            Headers headers = new RecordHeaders().add("correlation-id", "c-42".getBytes(StandardCharsets.UTF_8));
            byte[] raw = value.getBytes(StandardCharsets.UTF_8);

            d.sendRaw("user-key".getBytes(StandardCharsets.UTF_8), raw, headers);
            d.tick(); // the task commits at its next punctuation even when no other record follows

            assertThat(d.items()).isEmpty();
            TestRecord<byte[], GenAiResponse> response = single(d.responses());
            assertThat(response.key()).isEqualTo("user-key".getBytes(StandardCharsets.UTF_8));
            assertThat(response.value().getStatus()).isEqualTo(ResponseStatus.REJECTED);
            assertThat(response.value().getError().getCode()).isEqualTo(code);
            assertThat(response.value().getError().getMessage()).contains(message);
            assertThat(response.value().getRequestId()).isEqualTo("genai.requests-0-0");
            assertThat(header(response.headers(), "correlation-id")).isEqualTo("c-42");

            TestRecord<byte[], byte[]> dead = single(d.dlq());
            assertThat(dead.key()).isEqualTo("user-key".getBytes(StandardCharsets.UTF_8));
            assertThat(dead.value()).isEqualTo(raw);
            assertThat(header(dead.headers(), "genai.error.code")).isEqualTo(code);
            assertThat(header(dead.headers(), "genai.request-id")).isEqualTo("genai.requests-0-0");
            assertThat(header(dead.headers(), "__streams.errors.topic")).isEqualTo("genai.requests");
            assertThat(header(dead.headers(), "__streams.errors.offset")).isEqualTo("0");
            assertThat(header(dead.headers(), "correlation-id")).isEqualTo("c-42");
            assertThat(d.counters.snapshot()).containsEntry("requests.rejected." + code, 1L);
        }
    }

    @Test
    void shouldRejectANullKeyWithANullKeyedResponse() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of())) {
            d.send(null, request(FLASH, "caller-7", "x"));

            TestRecord<byte[], GenAiResponse> response = single(d.responses());
            assertThat(response.key()).isNull();
            assertThat(response.value().getError().getCode()).isEqualTo(ErrorCode.NULL_KEY.code());
            assertThat(response.value().getRequestId()).isEqualTo("caller-7");
            assertThat(response.value().getModel()).isEqualTo(FLASH);
            assertThat(single(d.dlq()).key()).isNull();
        }
    }

    @Test
    void shouldRejectARequestWhoseLineAloneIsLargerThanMaxBytesAndBatchOneThatFitsExactly() {
        // r1 (offset 0, one byte too many) and r2 (offset 1, fits) have line keys of the same length
        long fits = AccumulatorDriver.lineBytes(1, "x".repeat(100));
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-bytes", Long.toString(fits)))) {
            d.send("k1", request(FLASH, "r1", "x".repeat(101)));
            d.send("k2", request(FLASH, "r2", "x".repeat(100)));

            TestRecord<byte[], GenAiResponse> response = single(d.responses());
            assertThat(response.value().getError().getCode()).isEqualTo(ErrorCode.REQUEST_TOO_LARGE.code());
            assertThat(response.value().getError().getMessage())
                    .contains("field 'request' takes " + (fits + 1) + " bytes");
            assertThat(response.value().getRequestId()).isEqualTo("r1");
            assertThat(d.items()).extracting(BatchItem::getRequestId).containsExactly("r2");
            assertThat(d.seals().get(0).getBytes()).isEqualTo(fits);
        }
    }

    @Test
    void shouldRejectAnAvroRecordOfAnotherTopicAsUndecodable() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of())) {
            byte[] policy =
                    RecordCodec.windowPolicy().encode(AccumulatorDriver.policy().build(), ValueFormat.AVRO);
            d.sendRaw("k".getBytes(), policy, new RecordHeaders());
            d.tick();
            assertThat(single(d.responses()).value().getError().getMessage()).contains("found Avro WindowPolicy");
        }
    }

    @Test
    void shouldRejectARecordThatMakesTheValidatorThrowUnexpectedlyAndKeepGoing() {
        AccumulatorMetrics exploding = new AccumulatorMetrics() {
            @Override
            public void requestAccepted(BatchItem item) {
                if (item.getRequestId().startsWith("poison")) {
                    throw new IllegalStateException("boom in validate");
                }
            }
        };
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "2"), exploding)) {
            d.send("k1", request(FLASH, "ok-1", "a"));
            d.send("k2", request(FLASH, "poison-1", "b"));
            d.send("k3", request(FLASH, "ok-2", "c"));

            TestRecord<byte[], GenAiResponse> response = single(d.responses());
            assertThat(response.value().getError().getCode()).isEqualTo(ErrorCode.PROCESSING_FAILED.code());
            assertThat(response.value().getError().getMessage()).contains("IllegalStateException: boom in validate");
            assertThat(response.value().getRequestId()).isEqualTo("poison-1");
            TestRecord<byte[], byte[]> dead = single(d.dlq());
            assertThat(header(dead.headers(), "__streams.errors.exception"))
                    .isEqualTo("java.lang.IllegalStateException");
            assertThat(RecordCodec.genAiRequest().decode(dead.value()).getRequestId())
                    .isEqualTo("poison-1");
            assertThat(d.items()).extracting(BatchItem::getRequestId).containsExactly("ok-1", "ok-2");
            assertThat(d.seals())
                    .singleElement()
                    .satisfies(s -> assertThat(s.getCount()).isEqualTo(2));
        }
    }

    @Test
    void shouldRejectARecordThatMakesTheAccumulatorThrowAfterTheRepartitionWithTheOriginalRequest() {
        AccumulatorMetrics exploding = new AccumulatorMetrics() {
            @Override
            public void itemArrived(String groupKey, long requestBytes, java.util.function.Supplier<String> requestId) {
                if (requestId.get().startsWith("poison")) {
                    throw new IllegalArgumentException("boom in accumulate");
                }
            }
        };
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "2"), exploding)) {
            Headers headers = new RecordHeaders().add("trace", "t-1".getBytes(StandardCharsets.UTF_8));
            GenAiRequest poison = request(FLASH, "poison-2", "b");
            poison.setMetadata(Map.of("team", "x"));
            d.send("k1", request(FLASH, "ok-1", "a"));
            d.sendRaw("k2".getBytes(), RecordCodec.genAiRequest().encode(poison, ValueFormat.JSON), headers);
            d.send("k3", request(FLASH, "ok-2", "c"));

            TestRecord<byte[], GenAiResponse> response = single(d.responses());
            assertThat(response.key()).isEqualTo("k2".getBytes());
            assertThat(response.value().getError().getCode()).isEqualTo(ErrorCode.PROCESSING_FAILED.code());
            assertThat(response.value().getMetadata()).containsEntry("team", "x");
            assertThat(header(response.headers(), "trace")).isEqualTo("t-1");
            TestRecord<byte[], byte[]> dead = single(d.dlq());
            assertThat(dead.key()).isEqualTo("k2".getBytes());
            GenAiRequest rebuilt = RecordCodec.genAiRequest().decode(dead.value());
            assertThat(rebuilt.getRequestId()).isEqualTo("poison-2");
            assertThat(rebuilt.getKind()).isEqualTo(RequestKind.GENERATE);
            assertThat(header(dead.headers(), "trace")).isEqualTo("t-1");
            assertThat(header(dead.headers(), "genai.error.code")).isEqualTo(ErrorCode.PROCESSING_FAILED.code());
            assertThat(d.seals())
                    .singleElement()
                    .satisfies(s -> assertThat(s.getCount()).isEqualTo(2));
        }
    }

    @Test
    void shouldBatchEveryGoodRecordOfAMixedStream() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of("window.max-requests", "10"))) {
            int good = 0;
            for (int i = 0; i < 100; i++) {
                switch (i % 4) {
                    case 0 ->
                        d.sendJson(
                                "k" + i,
                                "{\"model\": \"" + FLASH
                                        + "\", \"kind\": \"GENERATE\", \"request\": {\"contents\": []}}");
                    case 1 -> d.sendRaw("k".getBytes(), new byte[] {1, 2, 3}, new RecordHeaders());
                    default -> {
                        d.send("k" + i, request(FLASH, "good-" + i, "t"));
                        good++;
                    }
                }
            }
            d.tick();
            assertThat(d.items()).hasSize(good);
            assertThat(d.responses())
                    .hasSize(50)
                    .allSatisfy(r -> assertThat(r.value().getStatus()).isEqualTo(ResponseStatus.REJECTED));
            assertThat(d.dlq()).hasSize(50);
            assertThat(d.seals()).hasSize(5);
        }
    }

    @Test
    void shouldAcceptAPrettyPrintedRequestAndStoreItOnOneLine() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of())) {
            GenAiRequest pretty = request(FLASH, "p", "x");
            pretty.setRequest(
                    "{\n  \"contents\": [ {\"parts\": [ {\"text\": \"a\\nb\"} ] } ],\n  \"generationConfig\": {\"temperature\": 0.70}\n}");
            d.send("k", pretty);
            assertThat(d.items().get(0).getRequest())
                    .isEqualTo(
                            "{\"contents\":[{\"parts\":[{\"text\":\"a\\nb\"}]}],\"generationConfig\":{\"temperature\":0.70}}");
        }
    }

    private static <T> T single(List<T> list) {
        assertThat(list).hasSize(1);
        return list.get(0);
    }

    private static String header(Headers headers, String key) {
        org.apache.kafka.common.header.Header h = headers.lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
