package io.genaibatch.cli;

import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code genai-batch} command line: one entry point, one subcommand per job. */
@Command(
        name = "genai-batch",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "The Gemini Batch API behind Kafka: requests in, batch jobs, one keyed response per request out.",
        subcommands = {
            CommandLine.HelpCommand.class,
            KafkaCommand.class,
            TopicsCommand.class,
            ConfigCommand.class,
            ErrorsCommand.class,
            ProduceCommand.class,
            ConsumeCommand.class,
            EmulatorCommand.class,
            LocalCommand.class,
            RunCommand.class,
            JobsCommand.class,
            StatsCommand.class,
            BenchCommand.class,
            ChaosCommand.class,
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        CommandLine cli = newCommandLine();
        int exitCode = cli.execute(args);
        cli.getOut().flush();
        cli.getErr().flush();
        System.exit(exitCode);
    }

    static CommandLine newCommandLine() {
        return newCommandLine(System.getenv());
    }

    /**
     * The command line with {@code env} as the process environment of the commands that read secrets from it
     * ({@code jobs cancel}), so that a test can give an API key without setting one for the whole JVM.
     */
    static CommandLine newCommandLine(Map<String, String> env) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                return type == JobsCommand.Cancel.class
                        ? type.cast(new JobsCommand.Cancel(env))
                        : defaults.create(type);
            }
        };
        CommandLine cli = new CommandLine(new Main(), factory);
        // --help shows the defaults ConfigKeys declares: descriptions write ${bundle:default.<key>}.
        cli.setResourceBundle(new KeyDefaults());
        // A bad config or an unreachable broker is a message for the user, not a stack trace.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("genai-batch: " + ErrorMessages.describe(e));
            return e instanceof io.genaibatch.config.ConfigException ? 2 : 1;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
