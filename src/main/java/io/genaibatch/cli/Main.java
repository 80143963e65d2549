package io.genaibatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code genai-batch} command line: one entry point, one subcommand per job. */
@Command(name = "genai-batch",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "The Gemini Batch API behind Kafka: requests in, batch jobs, one keyed response per request out.",
        subcommands = {
                CommandLine.HelpCommand.class,
                EmulatorCommand.class,
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    static CommandLine newCommandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
