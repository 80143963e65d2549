package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.testkit.Await;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaCluster.class)
class TopicsCommandIT {

    @Test
    void shouldCreateEveryTopicOnceThenReportThemAsConfigured(KafkaCluster kafka) {
        String prefix = KafkaCluster.uniquePrefix("topicsCreate");
        List<String> common = CliRunner.isolatedTopics(kafka, prefix);

        // Step 1: on an empty cluster, describe reports every topic missing (exit 4)
        CliRunner.Result before = CliRunner.run(args("topics", "describe", common));
        assertThat(before.exitCode()).isEqualTo(4);
        assertThat(before.out()).contains(prefix + "requests: MISSING");

        // Step 2: create makes all six, with their partitions
        CliRunner.Result created = CliRunner.run(args("topics", "create", common, "--set", "topics.partitions=3"));
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(created.out().lines()).hasSize(6).allMatch(l -> l.contains("CREATED"));
        assertThat(created.out())
                .contains(prefix + "jobs: CREATED, 3 partitions")
                .contains(prefix + "window-config: CREATED, 1 partitions");

        // Step 3: a second create changes nothing and finds them as configured
        CliRunner.Result again = CliRunner.run(args("topics", "create", common, "--set", "topics.partitions=3"));
        assertThat(again.exitCode()).isZero();
        assertThat(again.out().lines()).hasSize(6).allMatch(l -> l.endsWith("as configured"));
    }

    @Test
    void shouldReportDriftWhenAnExistingTopicDiffersFromItsConfiguration(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("topicsDrift");
        List<String> common = CliRunner.isolatedTopics(kafka, prefix);
        assertThat(CliRunner.run(args("topics", "create", common)).exitCode()).isZero();

        // Someone turns the compacted jobs topic into a delete topic: job records would be lost after retention
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.incrementalAlterConfigs(Map.of(
                            new ConfigResource(ConfigResource.Type.TOPIC, prefix + "jobs"),
                            List.of(new AlterConfigOp(
                                    new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.SET))))
                    .all()
                    .get();
            awaitCleanupPolicy(admin, prefix + "jobs", "delete");
        }

        CliRunner.Result described = CliRunner.run(args("topics", "describe", common, "--set", "topics.partitions=8"));
        assertThat(described.exitCode()).isEqualTo(3);
        assertThat(described.out())
                .contains(prefix + "jobs: exists, 6 partitions, replication 1, DRIFT: partitions 6, configured 8; "
                        + "cleanup.policy=delete, configured compact")
                .contains(prefix + "window-config: exists, 1 partitions, replication 1, as configured");
    }

    @Test
    void shouldExplainAnInvalidConfigurationWithoutAStackTrace(KafkaCluster kafka) {
        CliRunner.Result result = CliRunner.run(
                "topics", "create", "--bootstrap-servers", kafka.bootstrapServers(), "--set", "topics.partitions=-2");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err())
                .contains("config key 'topics.partitions' has invalid value '-2'")
                .doesNotContain("at io.genaibatch");
    }

    /** The controller accepts a change before every broker serves it: wait, with a deadline, until it is visible. */
    private static void awaitCleanupPolicy(Admin admin, String topic, String expected) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Await.until(
                "cleanup.policy of " + topic + " to be " + expected,
                java.time.Duration.ofSeconds(30),
                () -> admin.describeConfigs(List.of(resource))
                        .all()
                        .get()
                        .get(resource)
                        .get("cleanup.policy")
                        .value(),
                expected::equals);
    }

    private static String[] args(String command, String sub, List<String> common, String... extra) {
        List<String> all = new ArrayList<>(List.of(command, sub));
        all.addAll(common);
        all.addAll(List.of(extra));
        return all.toArray(String[]::new);
    }
}
