package io.genaibatch.cli;

import static io.genaibatch.cli.OpsHttp.has;
import static io.genaibatch.cli.OpsHttp.sum;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.kafka.EmbeddedKafkaBroker;
import io.genaibatch.ops.Endpoints;
import io.genaibatch.ops.OpsServer;
import io.genaibatch.run.Role;
import io.genaibatch.testkit.Await;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator's scraper and load balancer see of a `run` process, on one run: readiness going from 503 to 200
 * as the roles start, the metrics after requests flowed end to end, and readiness back to 503, naming the roles,
 * once the broker is gone. A broker of its own: this test stops it.
 */
class MetricsAndReadinessIT {
    private static final int REQUESTS = 1_000;
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void readinessFollowsTheRolesAndTheBrokerAndMetricsCountWhatFlowedEndToEnd(@TempDir Path dir) throws Exception {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0, Map.of()).start();
        try (GeminiEmulator emulator = GeminiEmulator.start(
                        EmulatorOptions.builder().runningMillis(300).build());
                PipelineRun run = PipelineRun.configure(
                        broker.bootstrapServers(),
                        dir,
                        "metrics",
                        emulator,
                        Map.of("http.port", Integer.toString(freePort())))) {
            // Step 1: the endpoint is up before the roles start, and says they are not ready
            List<Role> roles = run.build("accumulate", "submit", "poll");
            OpsServer server = Endpoints.serve(
                            run.config(), roles, WindowCommands.policyReader(run.config()), run.telemetry())
                    .orElseThrow();
            try {
                HttpResponse<String> before = get(server, "/health/ready");
                assertThat(before.statusCode()).isEqualTo(503);
                assertThat(JSON.readTree(before.body())
                                .at("/roles/accumulate/problems/0")
                                .asText())
                        .isEqualTo("not started");

                // Step 2: the roles start; readiness turns 200 once each is in its group
                roles.forEach(Role::start);
                HttpResponse<String> ready = awaitReadiness(server, 200, Duration.ofMinutes(1));
                assertThat(JSON.readTree(ready.body()).path("status").asText()).isEqualTo("UP");

                // Step 3: requests end to end; the metrics count every SUCCEEDED response, tokens and cost
                run.produce("m1", 0, REQUESTS);
                Map<String, List<PipelineRun.Answer>> answers = run.awaitResponses("m1", REQUESTS, WAIT);
                PipelineRun.assertExactlyOneRightResponseEach("m1", REQUESTS, answers);
                String metrics = get(server, "/metrics").body();
                assertThat(sum(metrics, "genai_responses_total", "status=\"SUCCEEDED\""))
                        .isEqualTo(REQUESTS);
                assertThat(sum(metrics, "genai_requests_accepted_total")).isEqualTo(REQUESTS);
                assertThat(sum(metrics, "genai_tokens_total", "direction=\"in\""))
                        .isPositive();
                assertThat(sum(metrics, "genai_gemini_circuit_state", "state=\"closed\""))
                        .isEqualTo(1);
                assertThat(sum(metrics, "genai_tokens_total", "direction=\"out\""))
                        .isPositive();
                assertThat(sum(metrics, "genai_cost_batch_usd_total")).isPositive();
                assertThat(sum(metrics, "genai_cost_interactive_usd_total"))
                        .isGreaterThan(sum(metrics, "genai_cost_batch_usd_total"));
                assertThat(sum(metrics, "genai_batches_sealed_total")).isPositive();
                assertThat(sum(metrics, "genai_jobs_submitted_total")).isPositive();
                assertThat(sum(metrics, "genai_jobs_finished_total", "state=\"SUCCEEDED\""))
                        .isPositive();
                assertThat(sum(metrics, "genai_job_run_time_seconds_count")).isPositive();
                assertThat(sum(metrics, "genai_request_latency_seconds_count", "status=\"SUCCEEDED\""))
                        .isEqualTo(REQUESTS);
                assertThat(sum(metrics, "genai_gemini_calls_total", "operation=\"create\""))
                        .isPositive();
                // A gauge per model, input mode and state the poller followed a job in (0 once none is left).
                for (String model : DemoRequests.MODELS) {
                    assertThat(has(metrics, "genai_jobs_in_flight", "model=\"" + model + "\"", "mode=\"", "state=\""))
                            .as("genai_jobs_in_flight of %s in\n%s", model, metrics)
                            .isTrue();
                }
                assertThat(metrics).contains("genai_jobs_oldest_age_seconds");
                assertThat(metrics)
                        .contains(
                                "jvm_memory_used_bytes",
                                "jvm_gc_",
                                "jvm_threads_live_threads",
                                "process_uptime_seconds",
                                "system_cpu_count",
                                "kafka_consumer_",
                                "kafka_producer_",
                                "kafka_stream_");

                // Step 4: the broker goes away; readiness turns 503 and names each role that lost it, and why
                broker.close();
                HttpResponse<String> lost = awaitReadiness(
                        server,
                        503,
                        Duration.ofMinutes(1),
                        body -> List.of("accumulate", "submit", "poll").stream()
                                .noneMatch(role -> body.path("roles")
                                        .path(role)
                                        .path("ready")
                                        .asBoolean(true)));
                JsonNode body = JSON.readTree(lost.body());
                assertThat(body.path("status").asText()).isEqualTo("DOWN");
                assertThat(body.at("/roles/submit/problems/0").asText()).contains("group coordinator");
                assertThat(body.at("/roles/poll/problems/0").asText()).contains("group coordinator");
            } finally {
                server.close();
            }
        } finally {
            broker.close();
        }
    }

    private HttpResponse<String> awaitReadiness(OpsServer server, int status, Duration wait) throws Exception {
        return awaitReadiness(server, status, wait, body -> true);
    }

    private static JsonNode readTree(String body) {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new AssertionError("/health/ready answered no JSON: " + body, e);
        }
    }

    /** Asks /health/ready until it answers {@code status} with a body that passes {@code check}. */
    private HttpResponse<String> awaitReadiness(
            OpsServer server, int status, Duration wait, java.util.function.Predicate<JsonNode> check)
            throws Exception {
        HttpResponse<String> last = Await.until(
                "/health/ready to answer " + status,
                wait,
                () -> get(server, "/health/ready"),
                r -> r.statusCode() == status && check.test(readTree(r.body())));
        assertThat(last.statusCode()).as("/health/ready: %s", last.body()).isEqualTo(status);
        assertThat(check.test(JSON.readTree(last.body())))
                .as("/health/ready: %s", last.body())
                .isTrue();
        return last;
    }

    private HttpResponse<String> get(OpsServer server, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
