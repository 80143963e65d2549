package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.ops.Endpoints;
import io.genaibatch.ops.OpsServer;
import io.genaibatch.records.JobState;
import io.genaibatch.run.Role;
import java.io.File;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a real run (three roles, the emulator, 300 demo requests over three models), what an operator looks at:
 * /api/jobs lists the run's jobs exactly as {@code jobs list --json} prints them, {@code stats} prices each model's
 * tokens, /api/models and the status page show them, and a real headless Chromium renders the page.
 */
@ExtendWith(KafkaCluster.class)
class StatusPageIT {
    private static final int REQUESTS = 300;
    private static final String RUN_ID = "sp";
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String[] GENERATION = {"gemini-2.5-flash", "gemini-2.5-flash-lite"};
    private static final String EMBEDDING = "gemini-embedding-001";

    @TempDir
    static Path dir;

    private static GeminiEmulator emulator;
    private static PipelineRun run;
    private static OpsServer http;
    private static Set<String> batchIds;

    /** Made per test, after the server started. */
    private final OpsHttp ops = new OpsHttp(http, WAIT);

    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void runThePipeline(KafkaCluster kafka) throws Exception {
        emulator = GeminiEmulator.start(
                EmulatorOptions.builder().runningMillis(200).build());
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        run = PipelineRun.configure(
                kafka,
                dir,
                "statuspage",
                emulator,
                Map.of(
                        "http.port",
                        Integer.toString(port),
                        "http.refresh-interval",
                        "1s",
                        "window.max-requests",
                        "40"));
        List<Role> roles = run.start("accumulate", "submit", "poll");
        http = Endpoints.serve(run.config(), roles, WindowCommands.policyReader(run.config()), run.telemetry())
                .orElseThrow();
        run.produce(RUN_ID, 0, REQUESTS);
        run.awaitResponses(RUN_ID, REQUESTS, WAIT);
        batchIds = run.jobs().keySet();
        assertThat(batchIds).as("the run's batches").hasSizeGreaterThanOrEqualTo(3);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (http != null) {
            http.close();
        }
        if (run != null) {
            run.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    void shouldListTheRunsJobsOnApiJobsExactlyAsJobsListJsonPrintsThem() throws Exception {
        JsonNode jobs = awaitJson(
                "/api/jobs",
                a -> a.size() == batchIds.size()
                        && allMatch(
                                a,
                                j -> JobState.PUBLISHED
                                        .name()
                                        .equals(j.get("state").asText())));

        CliRunner.Result cli = CliRunner.run(run.cli("jobs", "list", "--json"));
        assertThat(cli.exitCode()).as(cli.err()).isZero();
        List<String> cliLines = cli.out().lines().toList();
        List<String> apiElements = new ArrayList<>();
        jobs.forEach(j -> apiElements.add(j.toString()));
        assertThat(apiElements).as("/api/jobs elements, byte for byte").containsExactlyElementsOf(cliLines);
        assertThat(apiElements)
                .allSatisfy(e -> assertThat(batchIds)
                        .contains(json.readTree(e).get("batchId").asText()));

        String one = batchIds.iterator().next();
        HttpResponse<String> detail = get("/api/jobs?batch=" + one);
        assertThat(detail.statusCode()).isEqualTo(200);
        assertThat(json.readTree(detail.body())).hasSize(1);
        assertThat(json.readTree(detail.body()).get(0).get("batchId").asText()).isEqualTo(one);
        assertThat(get("/api/jobs?batch=no-such-batch").statusCode()).isEqualTo(404);

        // A limit keeps the newest jobs (a script polling /api/jobs must see new ones), still oldest first.
        HttpResponse<String> newest = get("/api/jobs?limit=2");
        assertThat(json.readTree(newest.body())).hasSize(2);
        assertThat(json.readTree(newest.body()).get(0).toString()).isEqualTo(cliLines.get(cliLines.size() - 2));
        assertThat(json.readTree(newest.body()).get(1).toString()).isEqualTo(cliLines.get(cliLines.size() - 1));
        assertThat(newest.headers().firstValue("X-Total-Count")).contains(Integer.toString(batchIds.size()));
        assertThat(get("/api/jobs?limit=none").statusCode()).isEqualTo(400);
    }

    @Test
    void shouldPriceEachModelsTokensInStats() throws Exception {
        CliRunner.Result table = CliRunner.run(run.cli("stats"));
        assertThat(table.exitCode()).as(table.err()).isZero();
        for (String model : GENERATION) {
            String line = table.out()
                    .lines()
                    .filter(l -> l.startsWith(model + " "))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no line for " + model + " in\n" + table.out()));
            String[] cells = line.trim().split(" +");
            assertThat(Long.parseLong(cells[1])).as("requests of %s", model).isEqualTo(REQUESTS / 3);
            assertThat(Long.parseLong(cells[2]) + Long.parseLong(cells[3]))
                    .as("tokens of %s", model)
                    .isPositive();
            assertThat(Double.parseDouble(cells[4]))
                    .as("batch cost of %s", model)
                    .isPositive();
            assertThat(Double.parseDouble(cells[5]))
                    .as("interactive cost of %s", model)
                    .isGreaterThan(Double.parseDouble(cells[4]));
        }

        CliRunner.Result asJson = CliRunner.run(run.cli("stats", "--json", "--since", "1h"));
        assertThat(asJson.exitCode()).as(asJson.err()).isZero();
        JsonNode stats = json.readTree(asJson.out());
        Map<String, JsonNode> byModel = new HashMap<>();
        stats.get("models").forEach(m -> byModel.put(m.get("model").asText(), m));
        assertThat(byModel).containsKeys(GENERATION).containsKey(EMBEDDING);
        for (String model : GENERATION) {
            assertThat(byModel.get(model).get("inputTokens").asLong()).isPositive();
            assertThat(byModel.get(model).get("outputTokens").asLong()).isPositive();
            assertThat(byModel.get(model).get("batchUsd").asDouble()).isPositive();
            assertThat(byModel.get(model).get("savedUsd").asDouble()).isPositive();
        }
        // The API reports no usage for embeddings: answered, but no tokens to price.
        assertThat(byModel.get(EMBEDDING).get("requests").asLong()).isEqualTo(REQUESTS / 3);
        assertThat(stats.at("/total/requests").asLong()).isEqualTo(REQUESTS);

        CliRunner.Result oneModel = CliRunner.run(run.cli("stats", "--model", "models/" + GENERATION[0], "--json"));
        assertThat(json.readTree(oneModel.out()).get("models")).hasSize(1);
    }

    @Test
    void shouldShowEachModelsPolicyJobsAndCostOnApiModels() throws Exception {
        JsonNode models = awaitJson(
                "/api/models",
                a -> a.size() >= 3 && allMatch(a, m -> m.at("/usage/requests").asLong() == REQUESTS / 3));
        Map<String, JsonNode> byModel = new HashMap<>();
        models.forEach(m -> byModel.put(m.get("model").asText(), m));
        assertThat(byModel).containsKeys(GENERATION).containsKey(EMBEDDING);
        assertThat(byModel.get("gemini-2.5-flash-lite")
                        .at("/window/maxRequests")
                        .asInt())
                .as("the model's own window setting")
                .isEqualTo(500);
        assertThat(byModel.get("gemini-2.5-flash").at("/window/maxRequests").asInt())
                .isEqualTo(40);
        assertThat(byModel.get("gemini-2.5-flash").at("/openBatch/requests").asLong())
                .as("every batch of the run sealed (its max-wait is 2 s)")
                .isZero();
        assertThat(byModel.get("gemini-2.5-flash").at("/usage/batchUsd").asDouble())
                .isPositive();
    }

    @Test
    void shouldShowTheRunsJobsOnTheStatusPage() throws Exception {
        String page = awaitPage(p -> batchIds.stream().allMatch(p::contains) && p.contains("Jobs in flight (0)"));
        assertThat(page)
                .contains(
                        "<meta http-equiv=\"refresh\"",
                        "Recently finished",
                        "accumulate",
                        "submit",
                        "poll",
                        "<svg",
                        "gemini-2.5-flash-lite",
                        "open batch (this instance)");
        assertThat(page).doesNotContain("class=\"bad\"");
        assertThat(page).as("no external asset").doesNotContain("src=\"http", "href=\"http");
    }

    @Test
    void shouldRenderTheStatusPageInAHeadlessBrowser() throws Exception {
        Optional<Path> chromium = chromium();
        assumeTrue(
                chromium.isPresent(),
                "no chromium binary on PATH (apt-get install -y chromium): the status page "
                        + "is not checked in a real browser on this machine");
        awaitPage(p -> batchIds.stream().allMatch(p::contains));
        Path artifacts = Files.createDirectories(Path.of("target", "status-page"));
        Path screenshot = artifacts.resolve("status-page.png");
        Files.deleteIfExists(screenshot);
        String url = http.baseUrl() + "/";

        String dom = browse(chromium.get(), "--dump-dom", url);
        browse(chromium.get(), "--screenshot=" + screenshot.toAbsolutePath(), url);

        Files.writeString(artifacts.resolve("status-page.html"), dom);
        assertThat(dom).contains("Recently finished");
        assertThat(batchIds).allSatisfy(id -> assertThat(dom).contains(id));
        assertThat(screenshot).exists();
        assertThat(Files.size(screenshot))
                .as("a screenshot, kept as %s", screenshot)
                .isPositive();
    }

    /** Runs headless Chromium on {@code url}; returns what it prints (the DOM for --dump-dom). */
    private static String browse(Path chromium, String what, String url) throws Exception {
        Path profile = Files.createTempDirectory(dir, "chromium");
        Path out = Files.createTempFile(dir, "chromium", ".out");
        Process p = new ProcessBuilder(
                        chromium.toString(),
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--user-data-dir=" + profile,
                        "--window-size=1280,2400",
                        what,
                        url)
                .redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("chromium " + what + " did not finish within 2 minutes");
        }
        assertThat(p.exitValue()).as("chromium %s exit code", what).isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static Optional<Path> chromium() {
        for (String name : new String[] {"chromium", "chromium-browser", "google-chrome"}) {
            for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path candidate = Path.of(d, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean allMatch(JsonNode array, Predicate<JsonNode> p) {
        for (JsonNode n : array) {
            if (!p.test(n)) {
                return false;
            }
        }
        return true;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return ops.get(path);
    }

    /** The path's JSON once it satisfies {@code until} (the cache refreshes every second); fails after WAIT. */
    private JsonNode awaitJson(String path, Predicate<JsonNode> until) throws Exception {
        return ops.awaitJson(path, until);
    }

    private String awaitPage(Predicate<String> until) throws Exception {
        return ops.awaitPage(until);
    }
}
