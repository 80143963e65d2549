package io.genaibatch.kafka;

import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.WindowPolicy;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serdes for the topic value records, in the style of Kafka's {@link Serdes}: pass the instances
 * to a producer or consumer constructor, or to Kafka Streams' {@code Consumed.with}/{@code Produced.with}.
 * Writing uses the given {@link ValueFormat}; reading accepts both formats. A null value (a tombstone on
 * the compacted genai.jobs and genai.window-config) maps to null both ways. A value that cannot be read
 * throws {@link RecordDecodingException}, which Kafka hands to the configured deserialization handler.
 */
public final class RecordSerdes {
    private RecordSerdes() {}

    public static Serde<GenAiRequest> genAiRequest(ValueFormat writeFormat) {
        return serde(RecordCodec.genAiRequest(), writeFormat);
    }

    public static Serde<BatchRecord> batchRecord(ValueFormat writeFormat) {
        return serde(RecordCodec.batchRecord(), writeFormat);
    }

    public static Serde<BatchJob> batchJob(ValueFormat writeFormat) {
        return serde(RecordCodec.batchJob(), writeFormat);
    }

    public static Serde<GenAiResponse> genAiResponse(ValueFormat writeFormat) {
        return serde(RecordCodec.genAiResponse(), writeFormat);
    }

    public static Serde<WindowPolicy> windowPolicy(ValueFormat writeFormat) {
        return serde(RecordCodec.windowPolicy(), writeFormat);
    }

    /** A serde over any codec; the typed methods above are the ones to use. */
    public static <T extends SpecificRecord> Serde<T> serde(RecordCodec<T> codec, ValueFormat writeFormat) {
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(writeFormat, "writeFormat");
        Serializer<T> serializer = (topic, value) -> value == null ? null : codec.encode(value, writeFormat);
        Deserializer<T> deserializer = (topic, bytes) -> bytes == null ? null : codec.decode(bytes);
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
