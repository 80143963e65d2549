package io.genaibatch.cli;

import io.genaibatch.bench.AccumulateBenchmark;
import io.genaibatch.bench.HeapWatch;
import io.genaibatch.bench.JobsHistoryBenchmark;
import io.genaibatch.bench.SubmitPollBenchmark;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.ConfigType;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.EmbeddedKafkaBroker;
import io.genaibatch.run.Role;
import io.genaibatch.run.RoleContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks that print ratios measured in one run (not tests).",
        subcommands = {
            BenchCommand.Accumulate.class,
            BenchCommand.SubmitPoll.class,
            BenchCommand.JobsHistory.class,
            BenchCommand.Latency.class,
            BenchCommand.All.class,
            BenchCommand.RolesProcess.class
        })
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(
            name = "accumulate",
            mixinStandardHelpOptions = true,
            description = {
                "Accumulator records/s against two exactly_once_v2 Kafka Streams pass-throughs on the same broker",
                "and input, with the same Streams settings: one hop (stream -> to) and two hops (stream -> repartition by",
                "the accumulator's group key -> to). Rounds alternate after a warm-up; the last line is",
                "'RESULT accumulate: one-hop ratio A, two-hop ratio B' (medians; target: two-hop ratio >= 0.8).",
                "Each round also prints its stream threads' CPU per record (less load-dependent than the rates).",
                "Without --bootstrap-servers it starts an in-process broker in a temporary directory."
            })
    static final class Accumulate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(
                names = "--bootstrap-servers",
                paramLabel = "HOSTS",
                description = "An existing broker (default: an in-process one).")
        String bootstrapServers;

        @Option(
                names = "--records",
                defaultValue = "100000",
                description = "Requests per round (default: ${DEFAULT-VALUE}).")
        int records;

        @Option(
                names = "--request-bytes",
                defaultValue = "1024",
                description = "Size of each request's JSON (default: ${DEFAULT-VALUE}).")
        int requestBytes;

        @Option(
                names = "--rounds",
                defaultValue = "3",
                description = "Measured rounds after the warm-up (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(
                names = "--streams",
                paramLabel = "KEY=VALUE",
                description =
                        "A Kafka Streams setting for all three topologies, e.g. --streams commit.interval.ms=1000 (repeatable).")
        Map<String, String> streams = new java.util.LinkedHashMap<>();

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            return onBroker(bootstrapServers, (servers, inProcess) -> {
                out.printf(
                        "bench accumulate: %,d requests x %d rounds (+1 warm-up), broker %s%s%n",
                        records, rounds, servers, inProcess ? " (in-process)" : "");
                GenAiBatchConfig config = GenAiBatchConfig.of(Map.of(ConfigKeys.BOOTSTRAP_SERVERS.name(), servers));
                AccumulateBenchmark bench =
                        new AccumulateBenchmark(config, records, requestBytes, rounds, Map.copyOf(streams), out);
                out.println("Streams settings of all three topologies: " + new java.util.TreeMap<>(bench.tuning()));
                bench.run();
                return 0;
            });
        }
    }

    @Command(
            name = "jobs-history",
            mixinStandardHelpOptions = true,
            description = {
                "The submitter's read of genai.jobs when partitions are assigned, over a history of --records job",
                "records, against a plain consumer reading the same topic to its end; prints their ratio. Without",
                "--bootstrap-servers it starts an in-process broker in a temporary directory."
            })
    static final class JobsHistory implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(
                names = "--bootstrap-servers",
                paramLabel = "HOSTS",
                description = "An existing broker (default: an in-process one).")
        String bootstrapServers;

        @Option(
                names = "--records",
                defaultValue = "2000000",
                description = "Job records in genai.jobs (default: ${DEFAULT-VALUE}).")
        int records;

        @Option(
                names = "--rounds",
                defaultValue = "3",
                description = "Measured rounds after the warm-up (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            return onBroker(bootstrapServers, (servers, inProcess) -> {
                out.printf(
                        "bench jobs-history: %,d job records x %d rounds (+1 warm-up), broker %s%s%n",
                        records, rounds, servers, inProcess ? " (in-process)" : "");
                new JobsHistoryBenchmark(
                                GenAiBatchConfig.of(Map.of(ConfigKeys.BOOTSTRAP_SERVERS.name(), servers)),
                                records,
                                rounds,
                                out)
                        .run();
                return 0;
            });
        }
    }

    @Command(
            name = "latency",
            mixinStandardHelpOptions = true,
            description = {
                "Small traffic: starts an in-process broker, the emulator and the three roles (as `local` does),",
                "then sends --requests single requests, each after the previous one was answered and --gap, and prints",
                "each one's send -> response time against window.max-wait + the job's own run time (created ->",
                "SUCCEEDED, the API's timestamps) + the poll interval + 1 s, as a ratio (target <= 1). A warm-up",
                "request first is not counted. The last line is 'RESULT latency: max ratio R, ...'."
            })
    static final class Latency implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOptions options;

        @Option(
                names = "--requests",
                defaultValue = "5",
                description = "Measured requests (default: ${DEFAULT-VALUE}).")
        int requests;

        @Option(
                names = "--max-wait",
                defaultValue = "2s",
                converter = DurationConverter.class,
                paramLabel = "DURATION",
                description = "window.max-wait of the run (default: ${DEFAULT-VALUE}).")
        Duration maxWait;

        @Option(
                names = "--poll-interval",
                defaultValue = "1s",
                converter = DurationConverter.class,
                paramLabel = "DURATION",
                description = "poll.initial-interval and poll.max-interval of the run (default: ${DEFAULT-VALUE}).")
        Duration pollInterval;

        @Option(
                names = "--gap",
                defaultValue = "1s",
                converter = DurationConverter.class,
                paramLabel = "DURATION",
                description = "Pause after a response before the next request (default: ${DEFAULT-VALUE}).")
        Duration gap;

        @Option(
                names = "--timeout",
                defaultValue = "2m",
                converter = DurationConverter.class,
                paramLabel = "DURATION",
                description = "Give up on a request without a response after this long (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        public Integer call() throws Exception {
            return latency(
                                    options,
                                    requests,
                                    maxWait,
                                    pollInterval,
                                    gap,
                                    timeout,
                                    spec.commandLine().getOut(),
                                    spec.commandLine().getErr())
                            != null
                    ? 0
                    : 1;
        }
    }

    /** Runs {@code bench latency} on a stack of its own in a temporary directory; null when a role failed. */
    static LatencyBenchmark.Result latency(
            ConfigOptions options,
            int requests,
            Duration maxWait,
            Duration pollInterval,
            Duration gap,
            Duration timeout,
            PrintWriter out,
            PrintWriter err)
            throws Exception {
        Path dataDir = Files.createTempDirectory("genai-batch-bench-latency");
        Map<String, String> run = Map.of(
                ConfigKeys.WINDOW_MAX_WAIT.name(), ConfigType.format(maxWait),
                ConfigKeys.POLL_INITIAL_INTERVAL.name(), ConfigType.format(pollInterval),
                ConfigKeys.POLL_MAX_INTERVAL.name(), ConfigType.format(pollInterval),
                ConfigKeys.HTTP_PORT.name(), "0");
        try (LocalStack stack = LocalStack.start(dataDir, 0, 0, options, LocalCommand.localDefaults(dataDir), run);
                RoleContext context = new RoleContext(stack.config(), LocalCommand.environment())) {
            List<Role> roles = RunCommand.build(List.copyOf(Roles.BUILT.keySet()), context);
            CompletableFuture<LatencyBenchmark.Result> finished = new CompletableFuture<>();
            Thread runner = new Thread(
                    () -> {
                        try {
                            finished.complete(new LatencyBenchmark(stack.config(), out, gap, timeout).run(requests));
                        } catch (Throwable e) {
                            finished.completeExceptionally(e);
                        }
                    },
                    "genai-batch-bench-latency");
            runner.setDaemon(true);
            // The measurement starts once the roles are up; RunCommand.run returns when it ends or a role fails.
            return RunCommand.run(roles, finished, out, err, runner::start) == 0 ? finished.join() : null;
        } finally {
            io.genaibatch.run.FileTrees.deleteQuietly(dataDir);
        }
    }

    @Command(
            name = "all",
            mixinStandardHelpOptions = true,
            description = {
                "Every benchmark with short defaults, one after the other (a few minutes on 2 cores):",
                "  accumulate --records 100000 --rounds 3, submit-poll --requests 20000,",
                "  jobs-history --records 200000 --rounds 3, latency --requests 3;",
                "then one table of the figures of their RESULT lines against the targets (benchmark, figure, value,",
                "target, met?). The submit-poll targets are for the 1 GB batch: at 20,000 requests they are shown,",
                "not judged; --full runs the sizes the targets are set for (4 minutes on a quiet 2-core VM):",
                "  accumulate --records 300000 --rounds 3, submit-poll (its defaults: 250,000 x 4 KB),",
                "  jobs-history --records 200000 --rounds 3, latency --requests 5.",
                "Exit code 1 when a benchmark failed; a target not met is a figure, not a failure."
            })
    static final class All implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(
                names = "--only",
                split = ",",
                paramLabel = "NAME",
                description = "Run only these benchmarks (comma-separated; default: all of them).")
        List<String> only = new ArrayList<>();

        @Option(
                names = "--full",
                description = "Run the sizes the targets are set for (the 1 GB submit-poll batch) instead of the short"
                        + " defaults.")
        boolean full;

        @Override
        public Integer call() {
            List<BenchSuite.Run> runs = selected(spec, full ? BenchSuite.FULL : BenchSuite.SHORT, only);
            PrintWriter out = spec.commandLine().getOut();
            List<BenchSuite.Row> rows = new ArrayList<>();
            boolean failed = false;
            for (BenchSuite.Run run : runs) {
                out.println("== genai-batch " + String.join(" ", run.commandLine()));
                out.flush();
                java.io.StringWriter captured = new java.io.StringWriter();
                picocli.CommandLine cli = Main.newCommandLine();
                cli.setOut(new PrintWriter(new Tee(out, captured), true));
                cli.setErr(spec.commandLine().getErr());
                int code = cli.execute(run.commandLine().toArray(String[]::new));
                List<BenchSuite.Row> figures = BenchSuite.figures(run, captured.toString(), code);
                failed |= code != 0 || figures.stream().anyMatch(r -> r.value().isEmpty());
                rows.addAll(figures);
            }
            out.println();
            out.print(BenchSuite.table(rows));
            out.flush();
            return failed ? 1 : 0;
        }

        /** The runs {@code --only} names, in the suite's order; refuses an unknown name with the known ones. */
        static List<BenchSuite.Run> selected(CommandSpec spec, List<BenchSuite.Run> suite, List<String> only) {
            for (String name : only) {
                if (suite.stream().noneMatch(r -> r.name().equals(name))) {
                    throw new picocli.CommandLine.ParameterException(
                            spec.commandLine(),
                            "unknown benchmark '" + name + "' in --only; known: "
                                    + suite.stream().map(BenchSuite.Run::name).toList());
                }
            }
            return suite.stream()
                    .filter(r -> only.isEmpty() || only.contains(r.name()))
                    .toList();
        }
    }

    /** Writes to both: the user sees a benchmark's output as it runs, and the suite reads its RESULT line after. */
    private static final class Tee extends java.io.Writer {
        private final java.io.Writer first;
        private final java.io.Writer second;

        Tee(java.io.Writer first, java.io.Writer second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            first.write(buf, off, len);
            second.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            first.flush();
            second.flush();
        }

        @Override
        public void close() throws IOException {
            flush(); // the user's stream stays open for the next benchmark and the table
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

    @Command(
            name = "submit-poll",
            mixinStandardHelpOptions = true,
            description = {
                "One large FILE batch (default 250,000 x 4,000-byte requests, ~1 GB of JSONL) through the submitter",
                "and the poller, running in their own JVM at --roles-heap, against a transactional Kafka copy of the",
                "batch's items to a topic (records of the responses' size, committed like the poller's chunks, with",
                "its producer settings) and against writing the same bytes to a file, fsyncing it and reading it back.",
                "Prints the phases, SUCCEEDED -> published, the ratios, the roles' heap, and checks that every request",
                "got exactly one right response. The broker and the emulator run in this JVM; the batch is written to",
                "genai.batches as the accumulator would (not timed)."
            })
    static final class SubmitPoll implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(
                names = "--requests",
                defaultValue = "250000",
                description = "Requests in the batch (default: ${DEFAULT-VALUE}).")
        int requests;

        @Option(
                names = "--request-bytes",
                defaultValue = "4000",
                description =
                        "Size of each request's JSON; its JSONL line is ~40 bytes more (default: ${DEFAULT-VALUE}).")
        int requestBytes;

        @Option(
                names = "--roles-heap",
                defaultValue = "256m",
                description = "-Xmx of the roles' JVM (default: ${DEFAULT-VALUE}).")
        String rolesHeap;

        @Option(
                names = "--roles-jvm-option",
                paramLabel = "OPTION",
                description =
                        "An extra JVM option for the roles' JVM, e.g. --roles-jvm-option=-XX:+UseSerialGC (repeatable).")
        List<String> rolesJvmOptions = new ArrayList<>();

        @Option(
                names = "--set",
                paramLabel = "KEY=VALUE",
                description = "A config key for the roles and the Kafka copy, e.g. --set poll.producer-linger=20ms, "
                        + "over the benchmark's own settings (repeatable).")
        Map<String, String> settings = new LinkedHashMap<>();

        @Option(
                names = "--data-dir",
                paramLabel = "DIR",
                description =
                        "Where the broker, the emulator, the roles and the baseline write (default: a temporary directory).")
        Path dataDir;

        @Option(
                names = "--keep",
                description = "Keep the data directory (logs, gc.log) instead of deleting it at the end.")
        boolean keep;

        @Option(
                names = "--timeout",
                defaultValue = "60m",
                converter = DurationConverter.class,
                paramLabel = "DURATION",
                description = "Give up when the job is not published after this long (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path dir = dataDir == null
                    ? Files.createTempDirectory("genai-batch-bench-submit-poll")
                    : Files.createDirectories(dataDir);
            boolean ok = false;
            try {
                SubmitPollBenchmark bench = new SubmitPollBenchmark(
                        new SubmitPollBenchmark.Options(
                                requests, requestBytes, rolesHeap, dir, timeout, rolesJvmOptions, settings),
                        out);
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
                Thread stdin = new Thread(
                        () -> {
                            drain(System.in);
                            stop.complete(null);
                        },
                        "bench-roles-stdin");
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
