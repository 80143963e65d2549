package io.genaibatch.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "local", mixinStandardHelpOptions = true,
        header = "Run everything in one process, with nothing installed: broker, emulator, topics.",
        description = "Starts an embedded KRaft broker, the Gemini Batch emulator and the topics, ready for "
                + "`genai-batch produce` / `consume` (or any Kafka client) from another terminal. Data is kept in "
                + "--data-dir across restarts. With --demo N it publishes N sample requests, checks them end to end, "
                + "prints a summary and exits 0 only if every request went through exactly once.")
final class LocalCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;
    @Spec
    CommandSpec spec;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Port of the embedded broker (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--emulator-port", defaultValue = "8089", description = "Port of the emulator (default: ${DEFAULT-VALUE}).")
    int emulatorPort;

    @Option(names = "--data-dir", defaultValue = "genai-batch-data",
            description = "Where the broker and the emulator keep their data (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--demo", paramLabel = "N", description = "Publish N sample requests, check every one, print a summary, exit.")
    Integer demoRequests;

    @Override
    public Integer call() throws Exception {
        if (demoRequests != null && demoRequests < 1) {
            spec.commandLine().getErr().println("genai-batch: --demo needs a positive number of requests, found " + demoRequests);
            return 2;
        }
        LocalStack stack = LocalStack.start(dataDir, kafkaPort, emulatorPort, options);
        if (demoRequests != null) {
            try (stack) {
                return new Demo(stack, spec.commandLine().getOut()).run(demoRequests);
            }
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Shutdown.onSignal("local", () -> {
            stack.close();
            stopped.countDown();
        });
        spec.commandLine().getOut().printf("genai-batch local is ready:%n  Kafka     %s%n  emulator  %s%n  data      %s%n"
                        + "Try: bin/genai-batch produce --bootstrap-servers %s --model gemini-2.5-flash --file requests.jsonl%n",
                stack.broker().bootstrapServers(), stack.emulator().baseUrl(), dataDir.toAbsolutePath(),
                stack.broker().bootstrapServers());
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }
}
