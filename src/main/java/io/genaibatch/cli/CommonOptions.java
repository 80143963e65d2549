package io.genaibatch.cli;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of every command that talks to an existing Kafka cluster. */
final class CommonOptions {
    @Mixin
    ConfigOptions config;

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOSTS",
            description =
                    "Kafka bootstrap servers; overrides kafka.bootstrap-servers (default ${bundle:default.kafka.bootstrap-servers}).")
    String bootstrapServers;

    GenAiBatchConfig load() {
        return load(Map.of());
    }

    GenAiBatchConfig load(Map<String, String> extra) {
        Map<String, String> overrides = new HashMap<>();
        if (bootstrapServers != null) {
            overrides.put(ConfigKeys.BOOTSTRAP_SERVERS.name(), bootstrapServers);
        }
        overrides.putAll(extra);
        return config.load(overrides);
    }
}
