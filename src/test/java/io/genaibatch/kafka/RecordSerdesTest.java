package io.genaibatch.kafka;

import static io.genaibatch.kafka.RecordCodecTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.records.WindowPolicy;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;

class RecordSerdesTest {

    @Test
    void shouldWriteTheConfiguredFormatAndReadBoth() {
        Serde<GenAiRequest> avro = RecordSerdes.genAiRequest(ValueFormat.AVRO);
        Serde<GenAiRequest> json = RecordSerdes.genAiRequest(ValueFormat.JSON);
        GenAiRequest request = SampleRecords.fullRequest();

        byte[] avroBytes = avro.serializer().serialize("genai.requests", request);
        byte[] jsonBytes = json.serializer().serialize("genai.requests", request);

        assertThat(avroBytes[0]).isEqualTo((byte) 0xC3);
        assertThat(jsonBytes[0]).isEqualTo((byte) '{');
        assertThat(avro.deserializer().deserialize("genai.requests", jsonBytes)).isEqualTo(request);
        assertThat(json.deserializer().deserialize("genai.requests", avroBytes)).isEqualTo(request);
    }

    @Test
    void shouldPassTombstonesThroughAsNull() {
        Serde<WindowPolicy> serde = RecordSerdes.windowPolicy(ValueFormat.AVRO);

        assertThat(serde.serializer().serialize("genai.window-config", null)).isNull();
        assertThat(serde.deserializer().deserialize("genai.window-config", null))
                .isNull();
    }

    @Test
    void shouldThrowRecordDecodingExceptionFromTheDeserializer() {
        Serde<GenAiResponse> serde = RecordSerdes.genAiResponse(ValueFormat.AVRO);

        assertThatThrownBy(() -> serde.deserializer().deserialize("genai.responses", utf8("{}")))
                .isInstanceOf(RecordDecodingException.class)
                .hasMessage("cannot decode GenAiResponse: field 'requestId' is required");
    }

    @Test
    void shouldCarryJsonRequestsInAndAvroResponsesOutOfAKafkaStreamsTopology() {
        // Step 1: a topology that answers each request, with our serdes on both topics.
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("genai.requests", Consumed.with(Serdes.ByteArray(), RecordSerdes.genAiRequest(ValueFormat.AVRO)))
                .mapValues(request -> GenAiResponse.newBuilder(SampleRecords.succeededResponse())
                        .setRequestId(request.getRequestId())
                        .setModel(request.getModel())
                        .setMetadata(request.getMetadata())
                        .build())
                .to("genai.responses", Produced.with(Serdes.ByteArray(), RecordSerdes.genAiResponse(ValueFormat.AVRO)));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "serdes-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");

        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<byte[], byte[]> requests =
                    driver.createInputTopic("genai.requests", new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> responses = driver.createOutputTopic(
                    "genai.responses", new ByteArrayDeserializer(), new ByteArrayDeserializer());

            // Step 2: a producer without Avro sends plain JSON.
            requests.pipeInput(SampleRecords.BINARY_KEY, utf8("""
                    {"model": "gemini-2.5-flash", "kind": "GENERATE", "requestId": "r-1",
                     "request": {"contents": [{"parts": [{"text": "hi"}]}]}, "metadata": {"team": "x"}}"""));

            // Step 3: the response is Avro under the same key, and reads back as the answer to that request.
            var out = responses.readKeyValue();
            assertThat(out.key).isEqualTo(SampleRecords.BINARY_KEY);
            assertThat(out.value[0]).isEqualTo((byte) 0xC3);
            GenAiResponse response = RecordCodec.genAiResponse().decode(out.value);
            assertThat(response.getRequestId()).isEqualTo("r-1");
            assertThat(response.getStatus()).isEqualTo(ResponseStatus.SUCCEEDED);
            assertThat(response.getMetadata()).containsEntry("team", "x");
        }
    }
}
