package io.genaibatch.kafka;

import static io.genaibatch.config.ConfigKeys.TOPIC_BATCHES;
import static io.genaibatch.config.ConfigKeys.TOPIC_DLQ;
import static io.genaibatch.config.ConfigKeys.TOPIC_JOBS;
import static io.genaibatch.config.ConfigKeys.TOPIC_PARTITIONS;
import static io.genaibatch.config.ConfigKeys.TOPIC_REPLICATION;
import static io.genaibatch.config.ConfigKeys.TOPIC_REQUESTS;
import static io.genaibatch.config.ConfigKeys.TOPIC_RESPONSES;
import static io.genaibatch.config.ConfigKeys.TOPIC_RETENTION;
import static io.genaibatch.config.ConfigKeys.TOPIC_WINDOW_CONFIG;

import io.genaibatch.config.GenAiBatchConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.TopicConfig;

/** The names and shapes of every topic genai-batch uses (docs/ARCHITECTURE.md, "Topics and records"), from the configuration. */
public record Topics(
        String requests,
        String batches,
        String jobs,
        String responses,
        String windowConfig,
        String dlq,
        List<TopicSpec> specs) {

    public static Topics from(GenAiBatchConfig config) {
        int partitions = config.get(TOPIC_PARTITIONS);
        int rf = config.get(TOPIC_REPLICATION);
        Optional<Short> replication = rf < 0 ? Optional.empty() : Optional.of((short) rf);
        String retentionMs = Long.toString(config.get(TOPIC_RETENTION).toMillis());
        Map<String, String> delete = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG,
                TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG,
                retentionMs);
        Map<String, String> compact = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        String requests = config.get(TOPIC_REQUESTS);
        String batches = config.get(TOPIC_BATCHES);
        String jobs = config.get(TOPIC_JOBS);
        String responses = config.get(TOPIC_RESPONSES);
        String windowConfig = config.get(TOPIC_WINDOW_CONFIG);
        String dlq = config.get(TOPIC_DLQ);
        return new Topics(
                requests,
                batches,
                jobs,
                responses,
                windowConfig,
                dlq,
                List.of(
                        new TopicSpec(requests, partitions, replication, delete),
                        new TopicSpec(batches, partitions, replication, delete),
                        new TopicSpec(jobs, partitions, replication, compact),
                        new TopicSpec(responses, partitions, replication, delete),
                        // Window policies are few and read whole by every instance: one partition keeps their order
                        // simple.
                        new TopicSpec(windowConfig, 1, replication, compact),
                        new TopicSpec(dlq, partitions, replication, delete)));
    }
}
