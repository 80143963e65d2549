package io.genaibatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import io.genaibatch.bench.AccumulateBenchmark;
import io.genaibatch.bench.HeapWatch;
import io.genaibatch.bench.JobsHistoryBenchmark;
import io.genaibatch.bench.SubmitPollBenchmark;
import io.genaibatch.run.Role;
import io.genaibatch.run.RoleContext;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.EmbeddedKafkaBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that print ratios measured in one run (not tests).",
        subcommands = {BenchCommand.Accumulate.class, BenchCommand.SubmitPoll.class, BenchCommand.JobsHistory.class,
                BenchCommand.RolesProcess.class})
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
            return onBroker(bootstrapServers, (servers, inProcess) -> {
                out.printf("bench accumulate: %,d requests x %d rounds (+1 warm-up), broker %s%s%n", records, rounds, servers,
                        inProcess ? " (in-process)" : "");
                GenAiBatchConfig config = GenAiBatchConfig.of(Map.of(ConfigKeys.BOOTSTRAP_SERVERS.name(), servers));
                AccumulateBenchmark bench = new AccumulateBenchmark(config, records, requestBytes, rounds, Map.copyOf(streams), out);
                out.println("Streams settings of both topologies: " + new java.util.TreeMap<>(bench.tuning()));
                bench.run();
                return 0;
            });
        }
    }

    @Command(name = "jobs-history", mixinStandardHelpOptions = true,
            description = {"The submitter's read of genai.jobs when partitions are assigned, over a history of --records job",
                    "records, against a plain consumer reading the same topic to its end; prints their ratio. Without",
                    "--bootstrap-servers it starts an in-process broker in a temporary directory."})
    static final class JobsHistory implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--bootstrap-servers", paramLabel = "HOSTS", description = "An existing broker (default: an in-process one).")
        String bootstrapServers;
        @Option(names = "--records", defaultValue = "2000000", description = "Job records in genai.jobs (default: ${DEFAULT-VALUE}).")
        int records;
        @Option(names = "--rounds", defaultValue = "3", description = "Measured rounds after the warm-up (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            return onBroker(bootstrapServers, (servers, inProcess) -> {
                out.printf("bench jobs-history: %,d job records x %d rounds (+1 warm-up), broker %s%s%n", records, rounds,
                        servers, inProcess ? " (in-process)" : "");
                new JobsHistoryBenchmark(GenAiBatchConfig.of(Map.of(ConfigKeys.BOOTSTRAP_SERVERS.name(), servers)), records,
                        rounds, out).run();
                return 0;
            });
        }
    }

    /** A benchmark's run against a broker. */
    private interface OnBroker {
        int run(String bootstrapServers, boolean inProcess) throws Exception;
    }

    /** Runs {@code bench} on the given broker, or on an in-process one in a temporary directory deleted after. */
    private static int onBroker(String bootstrapServers, OnBroker bench) throws Exception {
        if (bootstrapServers != null) {
            return bench.run(bootstrapServers, false);
        }
        Path brokerDir = Files.createTempDirectory("genai-batch-bench-kafka");
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(brokerDir, 0, Map.of()).start()) {
            return bench.run(broker.bootstrapServers(), true);
        } finally {
            // Every round's topics and the input: gigabytes after a few runs if left in the temp folder.
            io.genaibatch.run.FileTrees.deleteQuietly(brokerDir);
        }
    }

    @Command(name = "submit-poll", mixinStandardHelpOptions = true,
            description = {"One large FILE batch (default 250,000 x 4,000-byte requests, ~1 GB of JSONL) through the submitter",
                    "and the poller, running in their own JVM at --roles-heap, against writing the same bytes to a file,",
                    "fsyncing it and reading it back line by line. Prints the time, the baseline, their ratio, the roles'",
                    "heap, and checks that every request got exactly one right response. The broker and the emulator run",
                    "in this JVM; the batch is written to genai.batches as the accumulator would (not timed)."})
    static final class SubmitPoll implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--requests", defaultValue = "250000", description = "Requests in the batch (default: ${DEFAULT-VALUE}).")
        int requests;
        @Option(names = "--request-bytes", defaultValue = "4000",
                description = "Size of each request's JSON; its JSONL line is ~40 bytes more (default: ${DEFAULT-VALUE}).")
        int requestBytes;
        @Option(names = "--roles-heap", defaultValue = "256m", description = "-Xmx of the roles' JVM (default: ${DEFAULT-VALUE}).")
        String rolesHeap;
        @Option(names = "--roles-jvm-option", paramLabel = "OPTION",
                description = "An extra JVM option for the roles' JVM, e.g. --roles-jvm-option=-XX:+UseSerialGC (repeatable).")
        List<String> rolesJvmOptions = new ArrayList<>();
        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "Where the broker, the emulator, the roles and the baseline write (default: a temporary directory).")
        Path dataDir;
        @Option(names = "--keep", description = "Keep the data directory (logs, gc.log) instead of deleting it at the end.")
        boolean keep;
        @Option(names = "--timeout", defaultValue = "60m", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "Give up when the job is not published after this long (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path dir = dataDir == null ? Files.createTempDirectory("genai-batch-bench-submit-poll")
                    : Files.createDirectories(dataDir);
            boolean ok = false;
            try {
                SubmitPollBenchmark bench = new SubmitPollBenchmark(new SubmitPollBenchmark.Options(requests, requestBytes,
                        rolesHeap, dir, timeout, rolesJvmOptions), out);
                ok = bench.run().complete();
                return ok ? 0 : 1;
            } finally {
                if (keep || !ok) {
                    // A failed run keeps its logs, gc.log and any heap dump: they are the finding.
                    out.println("data kept in " + dir);
                } else {
                    io.genaibatch.run.FileTrees.delete(dir);
                }
                out.flush();
            }
        }
    }

    /**
     * The roles' JVM of {@code bench submit-poll} (hidden): {@code run} for the given roles, stopped when its stdin
     * ends (the benchmark closes it, or died), then prints its heap figures ({@link HeapWatch}) on stdout.
     */
    @Command(name = "roles", hidden = true, description = "Internal: the roles' JVM of bench submit-poll.")
    static final class RolesProcess implements Callable<Integer> {
        @Mixin
        ConfigOptions options;
        @Spec
        CommandSpec spec;
        @Option(names = "--roles", split = ",", required = true)
        List<String> roles;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (HeapWatch heap = HeapWatch.start();
                 RoleContext context = new RoleContext(options.load(Map.of()), System.getenv())) {
                RunCommand run = new RunCommand();
                run.roles = roles;
                List<Role> built = RunCommand.build(run.selected(), context);
                CompletableFuture<Void> stop = new CompletableFuture<>();
                Thread stdin = new Thread(() -> {
                    drain(System.in);
                    stop.complete(null);
                }, "bench-roles-stdin");
                stdin.setDaemon(true);
                stdin.start();
                int code = RunCommand.run(built, stop, out, spec.commandLine().getErr(), () -> {
                    out.println(SubmitPollBenchmark.STARTED_MARKER + " " + System.currentTimeMillis());
                    out.flush();
                });
                out.println(heap.figures().line());
                out.flush();
                return code;
            }
        }

        private static void drain(InputStream in) {
            byte[] buf = new byte[256];
            try {
                while (in.read(buf) >= 0) {
                    // Nothing to read but the end.
                }
            } catch (IOException e) {
                // The parent is gone: stop as well.
            }
        }
    }


}
