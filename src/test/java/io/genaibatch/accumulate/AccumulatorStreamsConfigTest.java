package io.genaibatch.accumulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.config.GenAiBatchConfig;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class AccumulatorStreamsConfigTest {

    @Test
    void shouldTakeTheProducerTuningFromItsKeysAndLetKafkaPropertiesWin() {
        Properties props = AccumulatorTopology.streamsConfig(
                GenAiBatchConfig.of(Map.of(
                        "accumulate.producer-linger",
                        "20ms",
                        "accumulate.transaction-timeout",
                        "2m",
                        "kafka.properties.producer.batch.size",
                        "65536")),
                new AccumulatorCounters(),
                Map.of());

        assertThat(props)
                .containsEntry("producer.linger.ms", 20L)
                .containsEntry("producer.transaction.timeout.ms", 120_000)
                .containsEntry("producer.batch.size", "65536")
                .containsEntry("processing.guarantee", "exactly_once_v2");
    }

    @Test
    void shouldKeepTheTunedDefaults() {
        Properties props =
                AccumulatorTopology.streamsConfig(GenAiBatchConfig.defaults(), new AccumulatorCounters(), Map.of());

        assertThat(props)
                .containsEntry("producer.linger.ms", 5L)
                .containsEntry("producer.batch.size", 256 * 1024)
                .containsEntry("producer.transaction.timeout.ms", 60_000);
    }
}
