package io.genaibatch.cli;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.ops.Endpoints;
import io.genaibatch.ops.OpsServer;
import io.genaibatch.run.Role;
import io.genaibatch.run.RoleContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "local",
        mixinStandardHelpOptions = true,
        header = "Run everything in one process, with nothing installed: broker, emulator, every role.",
        description = "Starts an embedded KRaft broker, the Gemini Batch emulator, the topics and the accumulate, "
                + "submit and poll roles, ready for `genai-batch produce` / `consume` (or any Kafka client) from another "
                + "terminal. Data is kept in --data-dir across restarts. For quick turnarounds it seals batches after 5s "
                + "and checks jobs every second (your --config and --set win). With --demo N it publishes N sample "
                + "requests, waits for their responses, prints a summary and exits 0 only if every request got exactly "
                + "one correct response. The console shows only that, and errors; the log goes to a file under --data-dir "
                + "(--log-file; --verbose shows it on the console too).")
final class LocalCommand implements Callable<Integer> {
    /** local's own http.port, so that it does not take the port of a `run` on the same machine. */
    static final String HTTP_PORT = "8088";
    /** The emulator accepts any key; the real SDK insists on having one. */
    static final String EMULATOR_API_KEY = "local-emulator-key";

    @Mixin
    ConfigOptions options;

    @Mixin
    LogOptions logOptions;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--kafka-port",
            defaultValue = "9092",
            description = "Port of the embedded broker (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(
            names = "--emulator-port",
            defaultValue = "8089",
            description = "Port of the emulator (default: ${DEFAULT-VALUE}).")
    int emulatorPort;

    @Option(
            names = "--http-port",
            paramLabel = "PORT",
            description = "Port of the HTTP endpoint (/metrics, /health/live, /health/ready, the status page); "
                    + "overrides http.port (local's default " + LocalCommand.HTTP_PORT + "); 0 turns it off.")
    Integer httpPort;

    @Option(
            names = "--data-dir",
            defaultValue = "genai-batch-data",
            description = "Where the broker, the emulator and the roles keep their data (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(
            names = "--demo",
            paramLabel = "N",
            description = "Publish N sample requests, check every response, print a summary, exit.")
    Integer demoRequests;

    @Option(
            names = "--demo-timeout",
            defaultValue = "10m",
            converter = DurationConverter.class,
            paramLabel = "DURATION",
            description = "How long the demo waits for its responses (default: ${DEFAULT-VALUE}).")
    Duration demoTimeout;

    @Option(names = "--verbose", description = "Show the log on the console too, not only errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (demoRequests != null && demoRequests < 1) {
            spec.commandLine()
                    .getErr()
                    .println("genai-batch: --demo needs a positive number of requests, found " + demoRequests);
            return 2;
        }
        CommandLogging.Setup logging = logOptions.setup(
                dataDir.resolve("logs").resolve("genai-batch.log"),
                verbose ? CommandLogging.Console.ALL : CommandLogging.Console.ERRORS);
        CommandLogging.apply(logging);
        spec.commandLine()
                .getOut()
                .printf(
                        "Starting the broker, the emulator and the roles; log in %s%s%n",
                        logging.file().toAbsolutePath(), verbose ? "" : " (--verbose shows it here too)");
        spec.commandLine().getOut().flush();
        CountDownLatch closed = new CountDownLatch(1);
        try {
            return runLocal(closed);
        } finally {
            closed.countDown();
        }
    }

    private int runLocal(CountDownLatch closed) throws Exception {
        try (LocalStack stack = LocalStack.start(
                        dataDir,
                        kafkaPort,
                        emulatorPort,
                        options,
                        localDefaults(dataDir),
                        httpPort == null ? Map.of() : Map.of(ConfigKeys.HTTP_PORT.name(), httpPort.toString()));
                RoleContext context = new RoleContext(stack.config(), environment())) {
            List<Role> roles = RunCommand.build(List.copyOf(Roles.BUILT.keySet()), context);
            Optional<OpsServer> http = Endpoints.serve(
                    stack.config(), roles, WindowCommands.policyReader(stack.config()), context.telemetry());
            try {
                return runRoles(stack, roles, http, closed);
            } finally {
                http.ifPresent(OpsServer::close);
            }
        }
    }

    private int runRoles(LocalStack stack, List<Role> roles, Optional<OpsServer> http, CountDownLatch closed) {
        CompletableFuture<Integer> finished = new CompletableFuture<>();
        // Ctrl-C, also during the demo: stop the roles, then the emulator and the broker, in order.
        Shutdown.onSignal("local", () -> {
            finished.complete(130);
            // Hold the JVM's exit until the roles and the broker are closed in order.
            awaitQuietly(closed);
        });
        if (demoRequests == null) {
            spec.commandLine()
                    .getOut()
                    .printf(
                            "genai-batch local is ready:%n  Kafka     %s%n  emulator  %s%n  HTTP      %s%n  data      %s%n"
                                    + "Try: bin/genai-batch produce --bootstrap-servers %s --model gemini-2.5-flash --file requests.jsonl%n",
                            stack.broker().bootstrapServers(),
                            stack.emulator().baseUrl(),
                            http.map(OpsServer::baseUrl).orElse("off"),
                            dataDir.toAbsolutePath(),
                            stack.broker().bootstrapServers());
        } else {
            Demo demo =
                    new Demo(stack.config(), spec.commandLine().getOut(), demoTimeout, DemoProgress.stdoutIsTerminal());
            Thread runner = new Thread(
                    () -> {
                        try {
                            finished.complete(demo.run(demoRequests));
                        } catch (Throwable e) {
                            finished.completeExceptionally(e);
                        }
                    },
                    "genai-batch-demo");
            runner.setDaemon(true);
            // The demo starts once the roles are up: RunCommand.run starts them, then waits on `finished`.
            return RunCommand.run(
                                    roles,
                                    finished,
                                    spec.commandLine().getOut(),
                                    spec.commandLine().getErr(),
                                    runner::start)
                            == 0
                    ? finished.join()
                    : 1;
        }
        return RunCommand.run(
                roles, finished, spec.commandLine().getOut(), spec.commandLine().getErr(), () -> {});
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Local turnaround: short windows and polls, every cache under the data directory. */
    static Map<String, String> localDefaults(Path dataDir) {
        Map<String, String> defaults = new HashMap<>();
        defaults.put(ConfigKeys.HTTP_PORT.name(), HTTP_PORT);
        defaults.put(ConfigKeys.WINDOW_MAX_WAIT.name(), "5s");
        defaults.put(ConfigKeys.POLL_INITIAL_INTERVAL.name(), "500ms");
        defaults.put(ConfigKeys.POLL_MAX_INTERVAL.name(), "2s");
        defaults.put(
                ConfigKeys.ACCUMULATE_STATE_DIR.name(),
                dataDir.resolve("streams").toString());
        defaults.put(
                ConfigKeys.SUBMIT_SPOOL_DIR.name(), dataDir.resolve("spool").toString());
        defaults.put(
                ConfigKeys.POLL_CACHE_DIR.name(), dataDir.resolve("poll-cache").toString());
        // One instance, always the same: after a crash its next start aborts the old open transaction at once.
        defaults.put(ConfigKeys.SUBMIT_INSTANCE_ID.name(), "local");
        return defaults;
    }

    static Map<String, String> environment() {
        Map<String, String> env = new HashMap<>(System.getenv());
        if (env.get("GOOGLE_API_KEY") == null && env.get("GEMINI_API_KEY") == null) {
            env.put("GEMINI_API_KEY", EMULATOR_API_KEY);
        }
        return env;
    }
}
