package io.genaibatch.accumulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.Header;
import io.genaibatch.records.RequestKind;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BatchRecordsTest {
    private static final BatchItem ITEM = BatchItem.newBuilder()
            .setRequestId("req-ü-1")
            .setKey(ByteBuffer.wrap(new byte[] {0, (byte) 0xFF, 7}))
            .setHeaders(List.of(new Header("trace", ByteBuffer.wrap("t".getBytes())), new Header("nil", null)))
            .setMetadata(Map.of("team", "x"))
            .setModel("gemini-2.5-flash")
            .setKind(RequestKind.GENERATE)
            .setRequest("{\"contents\":[{\"parts\":[{\"text\":\"Grüße 🌍\"}]}]}")
            .setRequestBytes(123)
            .setSourceTopic("genai.requests")
            .setSourcePartition(3)
            .setSourceOffset(1L << 40)
            .setReceivedAt(Instant.parse("2026-01-01T00:00:00.123Z"))
            .build();

    @ParameterizedTest
    @EnumSource(ValueFormat.class)
    void shouldAssembleExactlyTheRecordTheCodecWrites(ValueFormat format) {
        PreparedItem prepared = new PreparedItem.Encoder().prepare(ITEM);
        byte[] assembled = new BatchRecords(format)
                .item("gemini-2.5-flash-generate-0-0badcafe-7", "gemini-2.5-flash|GENERATE|0", prepared);

        byte[] expected = RecordCodec.batchRecord()
                .encode(
                        new BatchRecord(
                                "gemini-2.5-flash-generate-0-0badcafe-7", "gemini-2.5-flash|GENERATE|0", ITEM, null),
                        format);
        assertThat(assembled).isEqualTo(expected);
        assertThat(RecordCodec.batchRecord().decode(assembled).getItem()).isEqualTo(ITEM);
    }

    @Test
    void shouldCarryTheItemThroughItsSerdeAndReadItsIdWithoutDecodingIt() {
        PreparedItem prepared = new PreparedItem.Encoder().prepare(ITEM);
        var serde = PreparedItem.serde();
        PreparedItem back =
                serde.deserializer().deserialize("t", serde.serializer().serialize("t", prepared));

        assertThat(back.requestBytes()).isEqualTo(123);
        assertThat(back.requestId()).isEqualTo("req-ü-1");
        assertThat(back.item()).isEqualTo(ITEM);
    }
}
