package io.genaibatch.testkit;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.Topics;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * The configuration the integration tests start from, in one place: the test's broker and topic names under a
 * prefix of the test's own, so tests sharing one broker never read each other's records.
 */
public final class TestConfig {
    private TestConfig() {}

    /** The base settings, to add a test's own to: a mutable map. */
    public static Map<String, String> settings(String bootstrapServers, String prefix) {
        Map<String, String> settings = new HashMap<>();
        settings.put("kafka.bootstrap-servers", bootstrapServers);
        settings.putAll(KafkaCluster.isolatedTopics(prefix));
        return settings;
    }

    /** The configuration of {@code settings}, with the topics it names created where missing. */
    public static GenAiBatchConfig withTopics(Map<String, String> settings) throws InterruptedException {
        GenAiBatchConfig config = GenAiBatchConfig.of(settings);
        try (Admin admin = new KafkaClients(config).admin()) {
            new TopicAdmin(admin).createMissing(Topics.from(config).specs());
        }
        return config;
    }
}
