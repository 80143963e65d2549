package io.genaibatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FixedKafkaSettingsTest {

    @Test
    void shouldRefuseAnOverrideOfASettingTheGuaranteesDependOnWithTheReason() {
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("kafka.properties.isolation.level", "read_uncommitted")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.properties.isolation.level is fixed by genai-batch (read_committed)")
                .hasMessageContaining("exactly-once publication needs read_committed");
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("kafka.properties.enable.auto.commit", "true")))
                .hasMessageContaining("kafka.properties.enable.auto.commit is fixed by genai-batch (false)");
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("kafka.properties.acks", "1")))
                .hasMessageContaining("kafka.properties.acks is fixed by genai-batch (all)");
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("kafka.properties.processing.guarantee", "at_least_once")))
                .hasMessageContaining(
                        "kafka.properties.processing.guarantee is fixed by genai-batch (exactly_once_v2)");
    }

    @Test
    void shouldRefuseTheOverrideAlsoUnderAKafkaStreamsClientPrefix() {
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of(
                        "kafka.properties.main.consumer.isolation.level",
                        "read_uncommitted",
                        "kafka.properties.producer.enable.idempotence",
                        "false")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(2))
                .hasMessageContaining("kafka.properties.main.consumer.isolation.level is fixed by genai-batch")
                .hasMessageContaining("kafka.properties.producer.enable.idempotence is fixed by genai-batch (true)");
    }

    @Test
    void shouldRefuseIdsThatTheRoleKeysSetWithTheKeyToUseInstead() {
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("kafka.properties.group.id", "mine")))
                .hasMessageContaining("kafka.properties.group.id is fixed by genai-batch")
                .hasMessageContaining(ConfigKeys.POLL_GROUP_ID.name())
                .hasMessageContaining(ConfigKeys.SUBMIT_GROUP_ID.name());
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("kafka.properties.transactional.id", "mine")))
                .hasMessageContaining("kafka.properties.transactional.id is fixed by genai-batch");
    }

    @Test
    void shouldRefuseAnOffsetResetPolicyBecauseEachReaderChoosesItsOwn() {
        // latest on the accumulator's Streams consumers: a new group would skip every request already on genai.requests
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("kafka.properties.auto.offset.reset", "latest")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.properties.auto.offset.reset is fixed by genai-batch")
                .hasMessageContaining("none where a gap must be reported, earliest elsewhere");
        assertThatThrownBy(
                        () -> GenAiBatchConfig.of(Map.of("kafka.properties.main.consumer.auto.offset.reset", "latest")))
                .hasMessageContaining("kafka.properties.main.consumer.auto.offset.reset is fixed by genai-batch");
        assertThat(FixedKafkaSettings.streams()).containsEntry("auto.offset.reset", "earliest");
    }

    @Test
    void shouldPassSecurityAndTuningSettingsThrough() {
        GenAiBatchConfig config = GenAiBatchConfig.of(Map.of(
                "kafka.properties.security.protocol",
                "SASL_SSL",
                "kafka.properties.sasl.mechanism",
                "PLAIN",
                "kafka.properties.producer.linger.ms",
                "20"));

        assertThat(config.kafkaProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("producer.linger.ms", "20");
    }

    @Test
    void shouldGiveEveryClientKindTheFixedValues() {
        assertThat(FixedKafkaSettings.consumer())
                .containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", false);
        assertThat(FixedKafkaSettings.producer())
                .containsEntry("acks", "all")
                .containsEntry("enable.idempotence", true);
        assertThat(FixedKafkaSettings.streams()).containsEntry("processing.guarantee", "exactly_once_v2");
    }
}
