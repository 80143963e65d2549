package io.genaibatch.cli;

import static io.genaibatch.cli.OpsHttp.has;
import static io.genaibatch.cli.OpsHttp.sum;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.ops.Endpoints;
import io.genaibatch.ops.OpsServer;
import io.genaibatch.run.Role;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The open batches of a process running the accumulator, as /metrics, /api/models and the status page show them:
 * requests sent into models whose window waits an hour stay in open batches, counted per model with their bytes;
 * once the batches fill up and seal, all reads 0.
 */
@ExtendWith(KafkaCluster.class)
class OpenBatchesIT {
    private static final int PER_MODEL = 10;
    private static final int MAX_REQUESTS = 40;
    private static final String[] MODELS = DemoRequests.MODELS;

    @Test
    void openBatchesShowTheirRequestsBytesAndAgePerModelUntilTheySeal(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (GeminiEmulator emulator =
                        GeminiEmulator.start(EmulatorOptions.builder().build());
                PipelineRun run = PipelineRun.configure(
                        kafka,
                        dir,
                        "openbatches",
                        emulator,
                        Map.of(
                                "http.port",
                                Integer.toString(port),
                                "http.refresh-interval",
                                "1s",
                                "window.max-wait",
                                "1h",
                                "window.max-requests",
                                Integer.toString(MAX_REQUESTS),
                                "window.models.gemini-2.5-flash-lite.max-requests",
                                Integer.toString(MAX_REQUESTS)))) {
            List<Role> roles = run.start("accumulate");
            OpsServer server = Endpoints.serve(
                            run.config(), roles, WindowCommands.policyReader(run.config()), run.telemetry())
                    .orElseThrow();
            try {
                OpsHttp http = new OpsHttp(server, Duration.ofMinutes(2));
                // Step 1: ten requests per model, an hour before their batches' max-wait
                run.produce("ob", 0, PER_MODEL * MODELS.length);
                String metrics = http.awaitMetrics(m -> everyModel(m, "genai_open_batch_requests", PER_MODEL));
                Map<String, Double> bytes = new HashMap<>();
                for (String model : MODELS) {
                    String label = "model=\"" + model + "\"";
                    assertThat(sum(metrics, "genai_open_batches", label))
                            .as("open batches of %s", model)
                            .isEqualTo(1);
                    double accepted = sum(metrics, "genai_requests_accepted_size_bytes_total", label);
                    assertThat(accepted).as("accepted bytes of %s", model).isPositive();
                    assertThat(sum(metrics, "genai_open_batch_bytes", label))
                            .as("open bytes of %s", model)
                            .isEqualTo(accepted);
                    bytes.put(model, accepted);
                    assertThat(has(metrics, "genai_open_batch_age_seconds", label))
                            .as("age of %s", model)
                            .isTrue();
                    assertThat(sum(metrics, "genai_open_batch_age_seconds", label))
                            .isGreaterThanOrEqualTo(0);
                }
                JsonNode models = http.awaitJson("/api/models", a -> everyModel(a, PER_MODEL));
                for (JsonNode m : models) {
                    if (bytes.containsKey(m.get("model").asText())) {
                        assertThat(m.at("/openBatch/batches").asInt()).isEqualTo(1);
                        assertThat(m.at("/openBatch/bytes").asDouble())
                                .isEqualTo(bytes.get(m.get("model").asText()));
                        assertThat(m.at("/openBatch/oldestAgeSeconds").isNumber())
                                .isTrue();
                    }
                }
                String page = http.awaitPage(p -> p.contains(PER_MODEL + " requests"));
                assertThat(page).doesNotContain("not known in this process").contains("this instance");

                // Step 2: thirty more per model fill each batch to max-requests: sealed, nothing open
                run.produce("ob", PER_MODEL * MODELS.length, MAX_REQUESTS * MODELS.length);
                metrics = http.awaitMetrics(m -> everyModel(m, "genai_open_batch_requests", 0));
                for (String model : MODELS) {
                    String label = "model=\"" + model + "\"";
                    assertThat(sum(metrics, "genai_open_batches", label)).isZero();
                    assertThat(sum(metrics, "genai_open_batch_bytes", label)).isZero();
                    assertThat(sum(metrics, "genai_open_batch_age_seconds", label))
                            .isZero();
                    assertThat(sum(metrics, "genai_batches_sealed_total", label, "reason=\"MAX_REQUESTS\""))
                            .isEqualTo(1);
                }
                // A model with no open batch, job, response or policy of its own is no longer listed: the others show 0
                JsonNode after = http.awaitJson("/api/models", a -> {
                    for (JsonNode m : a) {
                        if (m.at("/openBatch/requests").asLong(-1) != 0) {
                            return false;
                        }
                    }
                    return true;
                });
                assertThat(after.findValuesAsText("model")).contains("gemini-2.5-flash-lite");
                assertThat(http.awaitPage(p -> !p.contains(" requests, "))).contains("open batch (this instance)");
            } finally {
                server.close();
            }
        }
    }

    /** Every demo model has a sample of the metric, at {@code value}. */
    private static boolean everyModel(String metrics, String metric, double value) {
        for (String model : MODELS) {
            String label = "model=\"" + model + "\"";
            if (!has(metrics, metric, label) || sum(metrics, metric, label) != value) {
                return false;
            }
        }
        return true;
    }

    /** Every demo model is on /api/models with {@code requests} requests in its open batch. */
    private static boolean everyModel(JsonNode models, int requests) {
        int found = 0;
        for (JsonNode m : models) {
            if (List.of(MODELS).contains(m.get("model").asText())) {
                if (m.at("/openBatch/requests").asInt(-1) != requests) {
                    return false;
                }
                found++;
            }
        }
        return found == MODELS.length;
    }
}
