package io.genaibatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.Topics;
import io.genaibatch.records.ResponseStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;

/**
 * `genai-batch chaos`: the broker, the emulator (with a data directory, faults on) and {@code instances} processes
 * of each role, all separate OS processes of this build; demo requests over three models; while they are answered,
 * a random role process is killed -9 and started again every few seconds and the emulator is restarted now and
 * then. Then every request's responses are counted and checked against its own prompt, and the jobs created per
 * displayName read from the emulator. The target: none missing, duplicated or misattributed, no displayName
 * created twice, every request SUCCEEDED.
 */
final class ChaosRun {
    /** What a run is asked to do. */
    record Plan(
            int requests, int kills, int emulatorRestarts, int instances, long seed, Duration timeout, Path workDir) {}

    private static final String API_KEY = "chaos-key";
    private static final List<String> ROLES = List.of("accumulate", "submit", "poll");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** After the last kill: the consumer session timeout (45 s by default), then time to rebuild and publish. */
    private static final Duration DUPLICATE_WINDOW = Duration.ofSeconds(75);

    private final Plan plan;
    private final PrintWriter out;
    private final Random random;
    private final Path logs;
    private final Map<String, ChildProcess> roles = new LinkedHashMap<>();
    private final Map<String, Integer> killsByRole = new TreeMap<>();
    private final Map<String, Long> faults = new TreeMap<>();
    private ChildProcess broker;
    private ChildProcess emulator;
    private int kafkaPort;
    private int emulatorPort;
    /** Kills made while some request was still unanswered. */
    private int killsWhileOpen;
    /** Process starts so far: each start logs to files of its own. */
    private int starts;

    ChaosRun(Plan plan, PrintWriter out) {
        this.plan = plan;
        this.out = out;
        this.random = new Random(plan.seed());
        this.logs = plan.workDir().resolve("logs");
    }

    /** 0 when the target is met, 1 otherwise. */
    int run() throws Exception {
        kafkaPort = freePort();
        emulatorPort = freePort();
        try {
            broker = ChildProcess.start(
                    "kafka",
                    logs,
                    Map.of(),
                    List.of(
                            "kafka",
                            "--port",
                            Integer.toString(kafkaPort),
                            "--data-dir",
                            plan.workDir().resolve("kafka").toString()));
            broker.awaitOutput("Kafka broker ready", Duration.ofMinutes(2));
            startEmulator();
            GenAiBatchConfig config = GenAiBatchConfig.of(settings(0));
            try (Admin admin = new KafkaClients(config).admin()) {
                new TopicAdmin(admin).createMissing(Topics.from(config).specs());
            }
            for (int i = 0; i < plan.instances(); i++) {
                for (String role : ROLES) {
                    startRole(role, i);
                }
            }
            out.printf(
                    "chaos: broker on %d, emulator on %d, %d processes per role; logs in %s%n",
                    kafkaPort, emulatorPort, plan.instances(), logs);
            String runId = "chaos" + plan.seed();
            new Demo(config, out, plan.timeout(), false).publish(runId, plan.requests());
            out.printf("chaos: %,d requests published; killing a role every few seconds%n", plan.requests());
            out.flush();
            DemoTally tally = watchAndKill(config, runId);
            Map<String, Integer> created = jobsByDisplayName();
            return report(tally, created);
        } finally {
            for (ChildProcess p : roles.values()) {
                p.stop(Duration.ofSeconds(20));
            }
            if (emulator != null) {
                emulator.stop(Duration.ofSeconds(20));
            }
            if (broker != null) {
                broker.stop(Duration.ofSeconds(30));
            }
        }
    }

    /** Reads responses until every request has one (or the timeout), killing and restarting processes meanwhile. */
    private DemoTally watchAndKill(GenAiBatchConfig config, String runId) throws Exception {
        DemoTally tally = new DemoTally(runId);
        long deadline = System.nanoTime() + plan.timeout().toNanos();
        long started = System.nanoTime();
        long nextKill = started;
        int kills = 0;
        int restarts = 0;
        try (TopicTail tail =
                TopicTail.open(new KafkaClients(config), Topics.from(config).responses(), Map.of())) {
            long lastKill = started;
            while ((tally.answered() < plan.requests() || kills < plan.kills()) && System.nanoTime() < deadline) {
                tail.poll(Duration.ofMillis(200), tally::add);
                // Kills start once answers flow (every stage busy), or after a minute whatever happens.
                boolean flowing = tally.answered() > 0
                        || System.nanoTime() - started > Duration.ofMinutes(1).toNanos();
                if (kills < plan.kills() && flowing && System.nanoTime() >= nextKill) {
                    kills++;
                    if (restarts < plan.emulatorRestarts()
                            && kills * (plan.emulatorRestarts() + 1) >= (restarts + 1) * plan.kills()) {
                        restarts++;
                        restartEmulator();
                    }
                    if (tally.answered() < plan.requests()) {
                        killsWhileOpen++;
                    }
                    killOne();
                    lastKill = System.nanoTime();
                    // 2 to 6 s apart: often enough to land in every phase of a batch's life
                    nextKill = System.nanoTime()
                            + Duration.ofMillis(2_000 + random.nextInt(4_000)).toNanos();
                    out.printf(
                            "chaos: %d kills, %d emulator restarts, %,d of %,d answered%n",
                            kills, restarts, tally.answered(), plan.requests());
                    out.flush();
                }
            }
            // A duplicate would come after the last first answer, at the latest from a process killed last whose
            // partitions move after its session times out (45 s by default) and are rebuilt: wait that out.
            long grace = Math.max(
                    System.nanoTime() + Duration.ofSeconds(10).toNanos(), lastKill + DUPLICATE_WINDOW.toNanos());
            while (System.nanoTime() < grace) {
                tail.poll(Duration.ofMillis(200), tally::add);
            }
        }
        return tally;
    }

    private void killOne() throws Exception {
        // Each role in turn, a random one of its processes: every role is killed, none only by chance.
        String role = ROLES.get(
                killsByRole.values().stream().mapToInt(Integer::intValue).sum() % ROLES.size());
        int instance = random.nextInt(plan.instances());
        roles.get(role + "-" + instance).kill();
        killsByRole.merge(role, 1, Integer::sum);
        startRole(role, instance);
    }

    private void startRole(String role, int instance) throws IOException {
        // --http-port 0: two instances of a role share this host; the chaos run reads its figures from the topics.
        List<String> args = new ArrayList<>(List.of(
                "run", "--roles", role, "--http-port", "0", "--gemini-base-url", "http://127.0.0.1:" + emulatorPort));
        settings(instance).forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
        String name = role + "-" + instance;
        roles.put(name, ChildProcess.start(name + "." + (++starts), logs, Map.of("GEMINI_API_KEY", API_KEY), args));
    }

    private void startEmulator() throws Exception {
        emulator = ChildProcess.start(
                "emulator." + (++starts),
                logs,
                Map.of(),
                List.of(
                        "emulator",
                        "--port",
                        Integer.toString(emulatorPort),
                        "--data-dir",
                        plan.workDir().resolve("emulator").toString(),
                        "--seed",
                        Long.toString(plan.seed()),
                        "--running-ms",
                        "1000",
                        "--rate-429",
                        "0.05",
                        "--rate-503",
                        "0.05",
                        "--retry-after",
                        "1",
                        "--job-fail-rate",
                        "0.03",
                        "--job-expire-rate",
                        "0.03",
                        "--request-error-rate",
                        "0.02",
                        "--request-error-code",
                        "503",
                        "--missing-result-rate",
                        "0.01"));
        emulator.awaitOutput("emulator ready", Duration.ofMinutes(1));
    }

    private void restartEmulator() throws Exception {
        addFaults(adminGet("/admin/stats"));
        emulator.stop(Duration.ofSeconds(20));
        startEmulator();
    }

    /** The keys of every process; each instance has its own local directories. */
    private Map<String, String> settings(int instance) {
        Path dir = plan.workDir();
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kafka.bootstrap-servers", "127.0.0.1:" + kafkaPort);
        s.put("gemini.base-url", "http://127.0.0.1:" + emulatorPort);
        s.put("gemini.request-timeout", "10s");
        s.put("topics.partitions", "4");
        s.put("window.max-requests", "500");
        s.put("window.max-wait", "3s");
        s.put("poll.initial-interval", "500ms");
        s.put("poll.max-interval", "2s");
        // Faults hit every attempt alike; production keeps 3 attempts and minutes of backoff.
        s.put("poll.max-attempts", "10");
        s.put("poll.retry.initial-backoff", "1s");
        s.put("poll.retry.max-backoff", "5s");
        s.put("poll.gone-after", "1m");
        s.put("submit.create-lookup-window", "15s");
        s.put("submit.retry.initial-backoff", "500ms");
        s.put("submit.retry.max-backoff", "5s");
        s.put("accumulate.state-dir", dir.resolve("streams-" + instance).toString());
        s.put("submit.spool-dir", dir.resolve("spool-" + instance).toString());
        s.put("poll.cache-dir", dir.resolve("poll-cache-" + instance).toString());
        return s;
    }

    private Map<String, Integer> jobsByDisplayName() throws Exception {
        Map<String, Integer> created = new TreeMap<>();
        adminGet("/admin/jobs-by-display-name")
                .fields()
                .forEachRemaining(e -> created.put(e.getKey(), e.getValue().asInt()));
        addFaults(adminGet("/admin/stats"));
        return created;
    }

    /** Adds one emulator run's counters: its requests and the faults it injected (a restart starts them at 0). */
    private void addFaults(JsonNode stats) {
        faults.merge("apiRequests", stats.path("requestsReceived").asLong(), Long::sum);
        stats.path("faultsInjected")
                .fields()
                .forEachRemaining(e -> faults.merge(e.getKey(), e.getValue().asLong(), Long::sum));
    }

    private JsonNode adminGet(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + emulatorPort + path))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("emulator " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private int report(DemoTally tally, Map<String, Integer> created) {
        long missing = plan.requests() - tally.answered();
        long duplicated = tally.duplicates();
        long twice = created.values().stream().filter(n -> n > 1).count();
        int succeeded = tally.byStatus.getOrDefault(ResponseStatus.SUCCEEDED, 0);
        Map<String, Integer> kills = new HashMap<>(killsByRole);
        out.printf("%nChaos run (seed %d)%n", plan.seed());
        out.printf("  requests          %,d over %s%n", plan.requests(), String.join(", ", DemoRequests.MODELS));
        out.printf(
                "  kills -9          %d %s; emulator restarts %d; %d kills while requests were open%n",
                kills.values().stream().mapToInt(Integer::intValue).sum(),
                new TreeMap<>(kills),
                plan.emulatorRestarts(),
                killsWhileOpen);
        out.printf("  emulator          %s%n", faults);
        out.printf("  responses         %s%n", tally.byStatus);
        out.printf("  missing           %,d%n", missing);
        out.printf("  duplicated        %,d%n", duplicated);
        out.printf(
                "  misattributed     %,d%s%n",
                tally.wrong.size(),
                tally.wrong.entrySet().stream()
                        .limit(3)
                        .map(e -> "\n    " + e.getKey() + ": " + e.getValue())
                        .reduce("", String::concat));
        out.printf("  jobs created      %,d displayNames, %d created more than once%n", created.size(), twice);
        boolean ok =
                missing == 0 && duplicated == 0 && tally.wrong.isEmpty() && twice == 0 && succeeded == plan.requests();
        out.println(
                ok
                        ? "Chaos OK: every request SUCCEEDED exactly once with its own answer; no job created twice."
                        : "Chaos FAILED: see the figures above and the logs in " + logs);
        out.flush();
        return ok ? 0 : 1;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
