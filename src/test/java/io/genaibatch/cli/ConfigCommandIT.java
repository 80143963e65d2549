package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.WindowPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaCluster.class)
class ConfigCommandIT {

    @Test
    void shouldSetGetListAndUnsetWindowPoliciesShowingWhereEachValueComesFrom(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("configWindow");
        List<String> common = CliRunner.isolatedTopics(kafka, prefix);
        assertThat(CliRunner.run(args(common, "topics", "create")).exitCode()).isZero();

        // Step 1: a model's own settings, then one for every model
        CliRunner.Result set = CliRunner.run(args(
                common,
                "config",
                "set",
                "--model",
                "models/gemini-2.5-flash",
                "--max-requests",
                "5000",
                "--max-wait",
                "2m",
                "--by",
                "ops"));
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.out()).contains("max-requests   5000       " + prefix + "window-config [gemini-2.5-flash]");
        assertThat(CliRunner.run(args(common, "config", "set", "--max-bytes", "50MB"))
                        .exitCode())
                .isZero();

        // Step 2: get merges the topic over the file, per setting
        CliRunner.Result get = CliRunner.run(args(common, "config", "get", "--model", "gemini-2.5-flash"));
        assertThat(get.exitCode()).as(get.err()).isZero();
        assertThat(get.out())
                .contains("max-requests   5000       " + prefix + "window-config [gemini-2.5-flash]")
                .contains("max-wait       2m         " + prefix + "window-config [gemini-2.5-flash]")
                .contains("max-bytes      50MB       " + prefix + "window-config [*]")
                .contains("shards         1          default")
                .contains("last changed by ops");

        // Step 3: list shows *, the models of the file and of the topic; a file value names its key
        CliRunner.Result list =
                CliRunner.run(args(common, "config", "list", "--set", "window.models.gemini-2.5-pro.shards=3"));
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out())
                .contains("* (every model without its own setting)")
                .contains("gemini-2.5-flash\n")
                .contains("gemini-2.5-pro\n")
                .contains("shards         3          command line (window.models.gemini-2.5-pro.shards)");

        // Step 4: unset one setting, then the whole record
        CliRunner.Result unsetWait =
                CliRunner.run(args(common, "config", "unset", "--model", "gemini-2.5-flash", "--max-wait"));
        assertThat(unsetWait.out())
                .contains("max-wait       10m        default")
                .contains("max-requests   5000       " + prefix + "window-config [gemini-2.5-flash]");
        CliRunner.Result unsetAll = CliRunner.run(args(common, "config", "unset", "--model", "gemini-2.5-flash"));
        assertThat(unsetAll.out()).contains("removed").contains("max-requests   10000      default");

        // Step 5: a record written by other means that breaks a limit is reported and ignored
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            WindowPolicy bad = WindowPolicy.newBuilder()
                    .setMaxBytes(3_000_000_000L)
                    .setUpdatedBy("script")
                    .setUpdatedAt(java.time.Instant.now())
                    .build();
            producer.send(new ProducerRecord<>(
                            prefix + "window-config",
                            "gemini-2.5-pro",
                            RecordCodec.windowPolicy().encode(bad, ValueFormat.JSON)))
                    .get();
        }
        CliRunner.Result warned = CliRunner.run(args(common, "config", "list"));
        assertThat(warned.out())
                .contains("WARNING gemini-2.5-pro: offset")
                .contains("window.max-bytes = 3GB: must be between 1 and 2GB");
    }

    private static String[] args(List<String> common, String... command) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(common);
        return all.toArray(String[]::new);
    }
}
