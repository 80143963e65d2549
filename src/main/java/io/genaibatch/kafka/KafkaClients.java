package io.genaibatch.kafka;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.FixedKafkaSettings;
import io.genaibatch.config.GenAiBatchConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;

/** Builds Kafka client properties from the configuration, so every client sees the same bootstrap and security settings. */
public final class KafkaClients {
    private final GenAiBatchConfig config;

    public KafkaClients(GenAiBatchConfig config) {
        this.config = config;
    }

    /** Bootstrap servers plus every {@code kafka.properties.*} entry, then {@code specific} on top. */
    public Map<String, Object> properties(Map<String, Object> specific) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.get(ConfigKeys.BOOTSTRAP_SERVERS));
        props.putAll(config.kafkaProperties());
        props.putAll(specific);
        return props;
    }

    /**
     * As {@link #properties}, for a consumer of genai-batch's topics: with {@link FixedKafkaSettings#consumer()}
     * (read_committed, no auto commit) on top, which {@code specific} cannot change.
     */
    public Map<String, Object> consumer(Map<String, Object> specific) {
        Map<String, Object> props = properties(specific);
        props.putAll(FixedKafkaSettings.consumer());
        return props;
    }

    /** As {@link #properties}, for a producer: with {@link FixedKafkaSettings#producer()} (acks=all, idempotent) on top. */
    public Map<String, Object> producer(Map<String, Object> specific) {
        Map<String, Object> props = properties(specific);
        props.putAll(FixedKafkaSettings.producer());
        return props;
    }

    /** The encoding of every value this service writes (serde.value-format). */
    public ValueFormat valueFormat() {
        return ValueFormat.valueOf(config.get(ConfigKeys.VALUE_FORMAT).toUpperCase(java.util.Locale.ROOT));
    }

    public Admin admin() {
        return Admin.create(properties(Map.of(CommonClientConfigs.CLIENT_ID_CONFIG, "genai-batch-admin")));
    }
}
