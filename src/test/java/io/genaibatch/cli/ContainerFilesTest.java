package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile and docker-compose.yml, checked without a Docker engine (there is none where the tests run): what
 * each service runs, what it publishes and where, and the image's user and health check. `docker-compose config`
 * checks the file as Compose reads it, where that tool is installed.
 */
class ContainerFilesTest {
    private static final Path COMPOSE = Path.of("docker-compose.yml");
    private static final Path DOCKERFILE = Path.of("Dockerfile");
    private static final String KEY_VARIABLE = "${EMULATOR_API_KEY:?";

    private final JsonNode services = compose().path("services");

    @Test
    void shouldRunTheBrokerTheTopicsTheEmulatorAndTheServiceWithHealthChecksOnTheLongRunningOnes() {
        assertThat(names(services)).containsExactlyInAnyOrder("kafka", "topics", "emulator", "genai-batch");
        for (String longRunning : List.of("kafka", "emulator", "genai-batch")) {
            assertThat(services.path(longRunning)
                            .path("healthcheck")
                            .path("test")
                            .toString())
                    .as(longRunning)
                    .isNotEqualTo("\"\"")
                    .isNotEmpty();
        }
        assertThat(command("topics")).startsWith("topics", "create");
        assertThat(services.path("topics")
                        .path("depends_on")
                        .path("kafka")
                        .path("condition")
                        .asText())
                .isEqualTo("service_healthy");
        assertThat(command("genai-batch")).startsWith("run").contains("--log-format");
        assertThat(services.path("genai-batch").path("healthcheck").path("test").toString())
                .contains("/health/ready");
        assertThat(services.path("genai-batch")
                        .path("depends_on")
                        .path("topics")
                        .path("condition")
                        .asText())
                .isEqualTo("service_completed_successfully");
        assertThat(services.path("genai-batch")
                        .path("depends_on")
                        .path("emulator")
                        .path("condition")
                        .asText())
                .isEqualTo("service_healthy");
    }

    @Test
    void shouldKeepEachLongRunningServicesDataOnItsVolume() {
        JsonNode kafka = services.path("kafka");
        String logDirs = kafka.path("environment").path("KAFKA_LOG_DIRS").asText();
        assertThat(logDirs)
                .as("where the broker writes (the image's default is under /tmp)")
                .isNotEmpty();
        assertThat(kafka.path("volumes").toString())
                .as("a volume mounted where the broker writes")
                .contains(":" + logDirs + "\"");
    }

    @Test
    void shouldPublishOnlyKafkaAndTheServicesHttpPortAndBothOnTheHostsLoopback() {
        List<String> published = new ArrayList<>();
        services.properties()
                .forEach(s -> s.getValue().path("ports").forEach(p -> published.add(s.getKey() + " " + p.asText())));
        assertThat(published).containsExactlyInAnyOrder("kafka 127.0.0.1:9092:9092", "genai-batch 127.0.0.1:8080:8080");
        assertThat(command("genai-batch"))
                .containsSubsequence("--set", "http.host=0.0.0.0")
                .containsSubsequence("--set", "http.port=8080");
    }

    @Test
    void shouldKeepTheEmulatorAndItsAdminUnpublishedAndBehindAKeyTheUserMustChoose() {
        JsonNode emulator = services.path("emulator");
        assertThat(emulator.has("ports")).as("emulator ports").isFalse();
        List<String> command = command("emulator");
        assertThat(command).startsWith("emulator").doesNotContain("--admin-open");
        assertThat(command.get(command.indexOf("--api-key") + 1)).startsWith(KEY_VARIABLE);
        // The service calls the emulator with that same key.
        assertThat(services.path("genai-batch")
                        .path("environment")
                        .path("GEMINI_API_KEY")
                        .asText())
                .startsWith(KEY_VARIABLE);
        assertThat(command("genai-batch")).containsSubsequence("--gemini-base-url", "http://emulator:8089");
    }

    @Test
    void shouldBuildTheImageFromTheShadedJarRunAsANonRootUserAndCheckReadiness() throws Exception {
        String dockerfile = Files.readString(DOCKERFILE);
        assertThat(dockerfile).containsPattern("(?m)^COPY target/genai-batch\\.jar ");
        Matcher user = Pattern.compile("(?m)^USER (\\S+)").matcher(dockerfile);
        assertThat(user.find()).as("a USER instruction").isTrue();
        assertThat(user.group(1))
                .doesNotStartWith("root")
                .doesNotStartWith("0:")
                .isNotEqualTo("0");
        assertThat(dockerfile).containsPattern("(?m)^HEALTHCHECK .*\\n?.*/health/ready");
        // Not a fixed port: a container run with another --http-port sets the variable to match.
        assertThat(dockerfile)
                .containsPattern("(?m)^ENV GENAI_BATCH_HEALTHCHECK_PORT=8080$")
                .contains("http://127.0.0.1:${GENAI_BATCH_HEALTHCHECK_PORT:-8080}/health/ready");
        for (String service : List.of("topics", "emulator", "genai-batch")) {
            assertThat(services.path(service).path("image").asText())
                    .as(service)
                    .isEqualTo("genai-batch:local");
        }
    }

    @Test
    void shouldBeValidForDockerComposeConfigWhereDockerComposeIsInstalled() throws Exception {
        Path tool = onPath("docker-compose");
        Assumptions.assumeTrue(
                tool != null, "docker-compose is not installed here: only the Java checks of the file ran");

        Checked withKey = composeConfig(tool, "test-key");
        assertThat(withKey.exitCode()).as(withKey.output()).isZero();
        Checked withoutKey = composeConfig(tool, null);
        assertThat(withoutKey.exitCode())
                .as("without EMULATOR_API_KEY: " + withoutKey.output())
                .isNotZero();
        assertThat(withoutKey.output()).contains("set EMULATOR_API_KEY");
    }

    private record Checked(int exitCode, String output) {}

    private static Checked composeConfig(Path tool, String emulatorKey) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(tool.toString(), "-f", COMPOSE.toString(), "config", "--quiet")
                .redirectErrorStream(true);
        builder.environment().remove("EMULATOR_API_KEY");
        if (emulatorKey != null) {
            builder.environment().put("EMULATOR_API_KEY", emulatorKey);
        }
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS))
                .as("docker-compose config finished")
                .isTrue();
        return new Checked(process.exitValue(), output);
    }

    private List<String> command(String service) {
        List<String> command = new ArrayList<>();
        services.path(service).path("command").forEach(c -> command.add(c.asText()));
        return command;
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode compose() {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(COMPOSE.toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
