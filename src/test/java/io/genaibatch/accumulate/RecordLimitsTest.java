package io.genaibatch.accumulate;

import static io.genaibatch.accumulate.AccumulatorDriver.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** Records that would pass Kafka's limits (hardening #2, accumulator side), in a TopologyTestDriver. */
class RecordLimitsTest {
    private static final String FLASH = "gemini-2.5-flash";
    private static final int MIB = RecordLimits.KAFKA_DEFAULT;
    private static final String REPARTITION = "genai-batch-accumulate-accumulate-by-group-repartition";

    @Test
    void shouldRejectARequestWhoseBatchesRecordWouldPassTheTopicLimitAndBatchTheOneBehindIt() {
        RecordLimits limits = limits(MIB, 5_000, MIB, MIB);
        try (AccumulatorDriver d =
                new AccumulatorDriver(Map.of(), null, HeldRequests.RELEASE_PER_PUNCTUATION, limits)) {
            d.send("k1", request(FLASH, "big", "x".repeat(6_000)));
            d.send("k2", request(FLASH, "small", "x"));
            d.tick();

            GenAiResponse big = single(d.responses()).value();
            assertThat(big.getStatus()).isEqualTo(ResponseStatus.REJECTED);
            assertThat(big.getError().getCode()).isEqualTo(ErrorCode.REQUEST_TOO_LARGE.code());
            assertThat(big.getError().getMessage())
                    .contains("as a record of genai.batches")
                    .contains("5000 bytes (topic genai.batches max.message.bytes)");
            assertThat(d.items()).extracting(BatchItem::getRequestId).containsExactly("small");
            assertThat(d.counters.snapshot())
                    .as("only the small one counted as accepted")
                    .containsEntry("requests.accepted", 1L);
        }
    }

    @Test
    void shouldNotBatchARequestWhoseKeyAloneCouldNeverBeAnsweredOnGenaiResponses() {
        RecordLimits limits = limits(MIB, MIB, 5_000, MIB);
        try (AccumulatorDriver d =
                new AccumulatorDriver(Map.of(), null, HeldRequests.RELEASE_PER_PUNCTUATION, limits)) {
            d.send("k".repeat(6_000), request(FLASH, "long-key", "x"));
            d.send("k2", request(FLASH, "short-key", "x"));
            d.tick();

            // Batched, it would be billed and its answer refused by Kafka after the job: refused before, at intake.
            assertThat(d.items()).extracting(BatchItem::getRequestId).containsExactly("short-key");
            assertThat(d.counters.snapshot()).containsEntry("requests.accepted", 1L);
        }
    }

    @Test
    void shouldCountARejectedResponseOnlyWhenOneIsWritten() {
        RecordLimits limits = limits(MIB, MIB, 5_000, MIB);
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (AccumulatorDriver d = new AccumulatorDriver(
                Map.of(), new AccumulatorMeters(meters), HeldRequests.RELEASE_PER_PUNCTUATION, limits)) {
            d.send("k".repeat(6_000), request(FLASH, "long-key", "x"));
            d.send("k2", invalidEmbed("answered", "x", Map.of()));
            d.tick();

            assertThat(d.responses()).extracting(r -> r.value().getRequestId()).containsExactly("answered");
            assertThat(meters.counter(
                                    "genai.requests.rejected",
                                    "model",
                                    FLASH,
                                    "code",
                                    ErrorCode.REQUEST_TOO_LARGE.code())
                            .count())
                    .as("refused, whether answered or not")
                    .isEqualTo(1);
            assertThat(meters.find("genai.responses").tag("status", "REJECTED").counters())
                    .as("one REJECTED response written, one counted")
                    .extracting(c -> c.count())
                    .containsExactly(1.0);
        }
    }

    @Test
    void shouldRejectARequestWhoseRepartitionRecordWouldPassItsLimit() {
        RecordLimits limits = limits(5_000, MIB, MIB, MIB);
        try (AccumulatorDriver d =
                new AccumulatorDriver(Map.of(), null, HeldRequests.RELEASE_PER_PUNCTUATION, limits)) {
            d.send("k1", request(FLASH, "big", "x".repeat(6_000)));

            assertThat(single(d.responses()).value().getError().getMessage()).contains("as a record of " + REPARTITION);
            assertThat(d.items()).isEmpty();
        }
    }

    @Test
    void shouldRejectATooLargeRequestOfADisabledModelAtOnceInsteadOfHoldingIt() {
        RecordLimits limits = limits(MIB, 5_000, MIB, MIB);
        try (AccumulatorDriver d = new AccumulatorDriver(
                Map.of("window.enabled", "false"), null, HeldRequests.RELEASE_PER_PUNCTUATION, limits)) {
            d.send("k1", request(FLASH, "big", "x".repeat(6_000)));

            assertThat(single(d.responses()).value().getError().getCode())
                    .isEqualTo(ErrorCode.REQUEST_TOO_LARGE.code());
            assertThat(d.counters.snapshot()).doesNotContainKey("requests.held");
        }
    }

    @Test
    void shouldBatchARequestJustUnderTheLimit() {
        RecordLimits limits = limits(MIB, 8_000, MIB, MIB);
        try (AccumulatorDriver d =
                new AccumulatorDriver(Map.of(), null, HeldRequests.RELEASE_PER_PUNCTUATION, limits)) {
            d.send("k1", request(FLASH, "fits", "x".repeat(7_500)));

            assertThat(d.responses()).isEmpty();
            assertThat(d.items()).extracting(BatchItem::getRequestId).containsExactly("fits");
        }
    }

    @Test
    void shouldMeasureTheJsonRecordWhenValuesAreWrittenAsJson() {
        // A 4,000-byte header value: about 4 KB in the Avro item, a third more as base64 in a JSON BatchRecord.
        RecordLimits limits = limits(MIB, 5_000, MIB, MIB);
        try (AccumulatorDriver d = new AccumulatorDriver(
                Map.of("serde.value-format", "json"), null, HeldRequests.RELEASE_PER_PUNCTUATION, limits)) {
            d.sendRaw(
                    "k1".getBytes(StandardCharsets.UTF_8),
                    io.genaibatch.kafka.RecordCodec.genAiRequest()
                            .encode(request(FLASH, "header", "x"), io.genaibatch.kafka.ValueFormat.AVRO),
                    new org.apache.kafka.common.header.internals.RecordHeaders().add("blob", new byte[4_000]));
            d.send("k2", request(FLASH, "plain", "x".repeat(4_000)));

            GenAiResponse header = single(d.responses()).value();
            assertThat(header.getRequestId()).isEqualTo("header");
            assertThat(header.getError().getCode()).isEqualTo(ErrorCode.REQUEST_TOO_LARGE.code());
            assertThat(d.items()).extracting(BatchItem::getRequestId).containsExactly("plain");
        }
    }

    @Test
    void shouldAnswerARequestKafkaRefusedBeforeInsteadOfWritingItAgain() {
        try (AccumulatorDriver d = new AccumulatorDriver(Map.of())) {
            // What TooLargeRecordHandler notes when the broker refuses the item of the request at offset 1.
            d.oversized.add(
                    "genai.requests-0-1",
                    new OversizedRequests.Refusal(
                            "genai.batches",
                            40_123,
                            "The request included a message larger than the max message size the server will accept."));
            d.send("k0", request(FLASH, "r0", "x"));
            d.send("k1", request(FLASH, "r1", "x"));

            GenAiResponse refused = single(d.responses()).value();
            assertThat(refused.getRequestId()).isEqualTo("r1");
            assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.REQUEST_TOO_LARGE.code());
            assertThat(refused.getError().getMessage())
                    .contains("40123 bytes as a record of genai.batches")
                    .contains("Kafka refused it");
            assertThat(d.items()).extracting(BatchItem::getRequestId).containsExactly("r0");
            assertThat(single(d.dlq()).key()).isEqualTo("k1".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldDeadLetterWithoutTheValueWhenTheCopyWouldPassTheDlqLimit() {
        RecordLimits limits = limits(MIB, MIB, MIB, 5_000);
        try (AccumulatorDriver d =
                new AccumulatorDriver(Map.of(), null, HeldRequests.RELEASE_PER_PUNCTUATION, limits)) {
            d.send("k1", invalidEmbed("big", "x".repeat(6_000), Map.of()));

            assertThat(single(d.responses()).value().getError().getCode()).isEqualTo(ErrorCode.INVALID_REQUEST.code());
            TestRecord<byte[], byte[]> dead = single(d.dlq());
            assertThat(dead.value()).isNull();
            assertThat(header(dead.headers(), DlqHeaders.VALUE_OMITTED))
                    .contains("5000 bytes (topic genai.requests.dlq")
                    .contains("still in genai.requests-0 at offset 0");
            assertThat(header(dead.headers(), "genai.error.code")).isEqualTo(ErrorCode.INVALID_REQUEST.code());
        }
    }

    @Test
    void shouldLeaveTheMetadataOutOfARejectedResponseThatWouldPassTheResponsesLimit() {
        RecordLimits limits = limits(MIB, MIB, 5_000, MIB);
        try (AccumulatorDriver d =
                new AccumulatorDriver(Map.of(), null, HeldRequests.RELEASE_PER_PUNCTUATION, limits)) {
            d.send("k1", invalidEmbed("r1", "x", Map.of("note", "m".repeat(6_000))));

            GenAiResponse response = single(d.responses()).value();
            assertThat(response.getError().getCode()).isEqualTo(ErrorCode.INVALID_REQUEST.code());
            assertThat(response.getMetadata()).isEmpty();
            assertThat(response.getError().getMessage()).contains("left out the request's metadata");
            assertThat(single(d.dlq()).value()).as("the DLQ copy keeps it").isNotNull();
        }
    }

    @Test
    void shouldNoteTheRequestOfARefusedBatchesItemAndFailTheTask() {
        OversizedRequests oversized = new OversizedRequests();
        TooLargeRecordHandler handler = new TooLargeRecordHandler();
        handler.configure(Map.of(
                TooLargeRecordHandler.CONFIG_OVERSIZED,
                oversized,
                TooLargeRecordHandler.CONFIG_LIMITS,
                limits(MIB, MIB, MIB, MIB)));
        BatchItem item = BatchItem.newBuilder()
                .setRequestId("r9")
                .setKey(java.nio.ByteBuffer.wrap("k".getBytes()))
                .setHeaders(List.of())
                .setMetadata(Map.of())
                .setModel(FLASH)
                .setKind(RequestKind.GENERATE)
                .setRequest("{}")
                .setRequestBytes(40)
                .setSourceTopic("genai.requests")
                .setSourcePartition(3)
                .setSourceOffset(77)
                .setReceivedAt(java.time.Instant.EPOCH)
                .build();
        byte[] value = new BatchRecords(io.genaibatch.kafka.ValueFormat.AVRO)
                .item("b-1", "g", new PreparedItem.Encoder().prepare(item));

        ProductionExceptionHandler.Response response = handler.handleError(
                null,
                new ProducerRecord<>("genai.batches", "b-1".getBytes(), value),
                new RecordTooLargeException("too large"));

        assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
        assertThat(oversized.find("genai.requests-3-77"))
                .isNotNull()
                .satisfies(r -> assertThat(r.topic()).isEqualTo("genai.batches"));
    }

    private static RecordLimits limits(int repartition, int batches, int responses, int dlq) {
        return new RecordLimits(
                limit(REPARTITION, repartition),
                limit("genai.batches", batches),
                limit("genai.responses", responses),
                limit("genai.requests.dlq", dlq));
    }

    private static RecordLimits.Limit limit(String topic, int bytes) {
        return new RecordLimits.Limit(bytes, topic, "topic " + topic + " max.message.bytes");
    }

    /** EMBED takes `content`, not `contents`: refused INVALID_REQUEST. */
    private static GenAiRequest invalidEmbed(String requestId, String text, Map<String, String> metadata) {
        return GenAiRequest.newBuilder()
                .setModel("gemini-embedding-001")
                .setKind(RequestKind.EMBED)
                .setRequest("{\"contents\":[{\"parts\":[{\"text\":\"" + text + "\"}]}]}")
                .setMetadata(metadata)
                .setRequestId(requestId)
                .build();
    }

    private static String header(Headers headers, String key) {
        Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static <T> T single(List<T> list) {
        assertThat(list).hasSize(1);
        return list.get(0);
    }
}
