package io.genaibatch.cli;

import io.genaibatch.config.ConfigDocs;
import io.genaibatch.config.ConfigKey;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.ConfigType;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.config.Secrets;
import io.genaibatch.ops.Prices;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Check the configuration, print its reference; show and change the run-time window policies.",
        subcommands = {
            ConfigCommand.Validate.class,
            ConfigCommand.Docs.class,
            WindowCommands.Set.class,
            WindowCommands.Get.class,
            WindowCommands.ListPolicies.class,
            WindowCommands.Unset.class
        })
final class ConfigCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(
            name = "validate",
            mixinStandardHelpOptions = true,
            description =
                    "Load the configuration, print every effective value and where it comes from; exit 1 with the reasons if invalid.")
    static final class Validate implements Callable<Integer> {
        @Mixin
        CommonOptions options;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            GenAiBatchConfig config = options.load();
            // What the file says is the prices reader's to check; the roles that read it would stop on it at start.
            Prices.from(config);
            for (ConfigKey<?> key : ConfigKeys.ALL) {
                String value = config.find(key)
                        .map(v ->
                                key.type() == ConfigType.SIZE ? ConfigType.formatSize((Long) v) : ConfigType.format(v))
                        .orElse("(unset)");
                spec.commandLine().getOut().printf("%-28s %-24s (%s)%n", key.name(), value, config.sourceOf(key));
            }
            for (String model : config.windowModels()) {
                for (ConfigKey<?> key : ConfigKeys.WINDOW_SETTINGS) {
                    String name = ConfigKeys.WINDOW_MODELS_PREFIX + model + "." + ConfigKeys.windowSetting(key);
                    config.findForModel(model, key)
                            .ifPresent(v -> spec.commandLine()
                                    .getOut()
                                    .printf("%-28s %-24s (%s)%n", name, key.format(v), config.sourceOf(model, key)));
                }
            }
            config.kafkaProperties()
                    .forEach((k, v) -> spec.commandLine()
                            .getOut()
                            .printf("%-28s %s%n", ConfigKeys.KAFKA_PROPERTIES_PREFIX + k, Secrets.shown(k, v)));
            spec.commandLine().getOut().println("Configuration is valid.");
            return 0;
        }
    }

    @Command(
            name = "docs",
            mixinStandardHelpOptions = true,
            description = "Print the configuration reference (docs/CONFIG.md) as Markdown.")
    static final class Docs implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().getOut().print(ConfigDocs.markdown());
        }
    }
}
