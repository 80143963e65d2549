package io.genaibatch.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.Callable;

import io.genaibatch.bench.AccumulateBenchmark;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.EmbeddedKafkaBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that print ratios measured in one run (not tests).",
        subcommands = {BenchCommand.Accumulate.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "accumulate", mixinStandardHelpOptions = true,
            description = {"Accumulator records/s against a plain exactly_once_v2 Kafka Streams pass-through on the same",
                    "broker and input, with the same Streams producer settings, after a warm-up round; prints their ratio.",
                    "Without --bootstrap-servers it starts an in-process broker in a temporary directory."})
    static final class Accumulate implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--bootstrap-servers", paramLabel = "HOSTS", description = "An existing broker (default: an in-process one).")
        String bootstrapServers;
        @Option(names = "--records", defaultValue = "100000", description = "Requests per round (default: ${DEFAULT-VALUE}).")
        int records;
        @Option(names = "--request-bytes", defaultValue = "1024", description = "Size of each request's JSON (default: ${DEFAULT-VALUE}).")
        int requestBytes;
        @Option(names = "--rounds", defaultValue = "3", description = "Measured rounds after the warm-up (default: ${DEFAULT-VALUE}).")
        int rounds;
        @Option(names = "--streams", paramLabel = "KEY=VALUE",
                description = "A Kafka Streams setting for both topologies, e.g. --streams commit.interval.ms=1000 (repeatable).")
        Map<String, String> streams = new java.util.LinkedHashMap<>();

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            EmbeddedKafkaBroker broker = null;
            String servers = bootstrapServers;
            if (servers == null) {
                broker = new EmbeddedKafkaBroker(Files.createTempDirectory("genai-batch-bench-kafka"), 0, Map.of()).start();
                servers = broker.bootstrapServers();
            }
            try {
                out.printf("bench accumulate: %,d requests x %d rounds (+1 warm-up), broker %s%s%n", records, rounds, servers,
                        broker == null ? "" : " (in-process)");
                GenAiBatchConfig config = GenAiBatchConfig.of(Map.of(ConfigKeys.BOOTSTRAP_SERVERS.name(), servers));
                AccumulateBenchmark bench = new AccumulateBenchmark(config, records, requestBytes, rounds, Map.copyOf(streams), out);
                out.println("Streams settings of both topologies: " + new java.util.TreeMap<>(bench.tuning()));
                bench.run();
                return 0;
            } finally {
                if (broker != null) {
                    broker.close();
                }
            }
        }
    }
}
