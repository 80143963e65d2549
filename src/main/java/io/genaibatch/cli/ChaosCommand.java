package io.genaibatch.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        header =
                "Kill -9 role processes while requests flow, and check that nothing is lost, doubled or misattributed.",
        description = {
            "Runs as separate processes of this build a Kafka broker, the emulator (with a data directory, "
                    + "injecting 429s, 503s, FAILED and EXPIRED jobs, per-request 503s and missing results) and "
                    + "--instances processes of each role; publishes --requests demo requests over three models; while "
                    + "they are answered, kills -9 a random role process every 2-6 s and starts it again (--kills "
                    + "times) and restarts the emulator --emulator-restarts times. Then prints requests, kills by role, "
                    + "the emulator's counters, responses by status, missing, duplicated and misattributed answers (each "
                    + "checked against its own prompt) and jobs created per displayName.",
            "Exit code 0 only when every request SUCCEEDED exactly once with its own answer and no displayName was "
                    + "created twice. Needs free local ports and a few GB of memory; takes minutes."
        })
final class ChaosCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--requests",
            defaultValue = "20000",
            description = "Requests to publish (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(
            names = "--kills",
            defaultValue = "20",
            description = "Role processes to kill -9 (default: ${DEFAULT-VALUE}).")
    int kills;

    @Option(
            names = "--emulator-restarts",
            defaultValue = "2",
            description = "Emulator restarts among the kills (default: ${DEFAULT-VALUE}).")
    int emulatorRestarts;

    @Option(names = "--instances", defaultValue = "2", description = "Processes per role (default: ${DEFAULT-VALUE}).")
    int instances;

    @Option(
            names = "--seed",
            defaultValue = "7",
            description = "Seed of the kills and of the emulator's faults (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--timeout",
            defaultValue = "30m",
            converter = DurationConverter.class,
            description = "Longest wait for every response (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--work-dir", description = "Where data and logs go (default: genai-batch-data/chaos-<time>).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || kills < 0 || emulatorRestarts < 0 || emulatorRestarts > kills || instances < 1) {
            spec.commandLine()
                    .getErr()
                    .println("genai-batch chaos: --requests must be at least 1, --instances at least"
                            + " 1, and --emulator-restarts between 0 and --kills");
            return 2;
        }
        Path dir = workDir != null
                ? workDir
                : Path.of(
                        "genai-batch-data",
                        "chaos-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        return new ChaosRun(
                        new ChaosRun.Plan(requests, kills, emulatorRestarts, instances, seed, timeout, dir),
                        spec.commandLine().getOut())
                .run();
    }
}
