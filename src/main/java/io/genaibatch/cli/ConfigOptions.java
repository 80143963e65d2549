package io.genaibatch.cli;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The configuration options every command shares; flags win over the config file. */
final class ConfigOptions {
    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "YAML configuration file (see docs/CONFIG.md). Default: built-in defaults only.")
    Path configFile;

    @Option(
            names = "--value-format",
            paramLabel = "avro|json",
            description =
                    "Encoding of the values written; overrides serde.value-format (default ${bundle:default.serde.value-format}).")
    String valueFormat;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "Any config key, e.g. --set topics.partitions=12 (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    /** Loads the config with {@code extra} (from command-specific flags) applied last. */
    GenAiBatchConfig load(Map<String, String> extra) {
        return load(Map.of(), extra);
    }

    /** Loads the config with {@code modeDefaults} under the file and flags, and {@code extra} over them. */
    GenAiBatchConfig load(Map<String, String> modeDefaults, Map<String, String> extra) {
        Map<String, String> overrides = new LinkedHashMap<>(settings);
        if (valueFormat != null) {
            overrides.put(ConfigKeys.VALUE_FORMAT.name(), valueFormat);
        }
        overrides.putAll(extra);
        return GenAiBatchConfig.load(modeDefaults, configFile, overrides);
    }
}
