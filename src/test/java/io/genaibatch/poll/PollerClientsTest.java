package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PollerClientsTest {

    @Test
    void shouldGiveTheJobsConsumerPollMaxPollIntervalUnlessKafkaPropertiesSetsIt() {
        GenAiBatchConfig keyed = GenAiBatchConfig.of(Map.of("poll.max-poll-interval", "9m"));
        assertThat(PollerClients.jobsConsumerProperties(new KafkaClients(keyed), PollerSettings.from(keyed)))
                .containsEntry("max.poll.interval.ms", 540_000)
                .containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", false);

        GenAiBatchConfig both = GenAiBatchConfig.of(
                Map.of("poll.max-poll-interval", "9m", "kafka.properties.max.poll.interval.ms", "600000"));
        assertThat(PollerClients.jobsConsumerProperties(new KafkaClients(both), PollerSettings.from(both)))
                .containsEntry("max.poll.interval.ms", "600000");
    }

    @Test
    void shouldTuneTheProducersFromPollProducerKeysUnlessKafkaPropertiesSetsThem() {
        GenAiBatchConfig keyed =
                GenAiBatchConfig.of(Map.of("poll.producer-batch-size", "256KiB", "poll.producer-linger", "20ms"));
        assertThat(PollerClients.producerTuning(new KafkaClients(keyed), PollerSettings.from(keyed)))
                .containsEntry("batch.size", 262_144)
                .containsEntry("linger.ms", 20L);
        // What the benchmarks' Kafka copy produces with is the same tuning.
        assertThat(Poller.producerTuning(keyed))
                .isEqualTo(PollerClients.producerTuning(new KafkaClients(keyed), PollerSettings.from(keyed)));

        GenAiBatchConfig both = GenAiBatchConfig.of(
                Map.of("poll.producer-batch-size", "256KiB", "kafka.properties.batch.size", "65536"));
        assertThat(PollerClients.producerTuning(new KafkaClients(both), PollerSettings.from(both)))
                .doesNotContainKey("batch.size")
                .containsEntry("linger.ms", 5L);
    }

    @Test
    void shouldGiveEachPartitionsProducerTheTuningWithItsOwnTransactionalId() {
        GenAiBatchConfig keyed = GenAiBatchConfig.of(Map.of("poll.producer-batch-size", "256KiB"));
        PollerSettings settings = PollerSettings.from(keyed);

        Map<String, Object> props = PollerClients.producerProperties(
                new KafkaClients(keyed), settings, io.genaibatch.kafka.Topics.from(keyed), 3);

        assertThat(props)
                .containsEntry("batch.size", 262_144)
                .containsEntry("linger.ms", 5L)
                .containsEntry("transactional.id", settings.groupId() + "-genai.jobs-3")
                .containsEntry("enable.idempotence", true);
    }
}
