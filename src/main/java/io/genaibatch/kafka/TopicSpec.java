package io.genaibatch.kafka;

import java.util.Map;
import java.util.Optional;

/** What one of our topics must look like: name, partitions, replication and the configs that matter to us. */
public record TopicSpec(String name, int partitions, Optional<Short> replicationFactor, Map<String, String> configs) {
    public TopicSpec {
        configs = Map.copyOf(configs);
    }
}
