package io.genaibatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenAiBatchConfigTest {

    @Test
    void shouldRefuseAtLoadWhatARoleWouldRefuseLaterNamingEveryKeyInvolved() {
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("submit.shutdown-timeout", "6m")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("submit.shutdown-timeout (6m) + submit.jobs-read-timeout (2m)")
                .hasMessageContaining("kafka.properties.max.poll.interval.ms (300000 ms");
        assertThatThrownBy(() -> GenAiBatchConfig.of(
                        Map.of("submit.shutdown-timeout", "2m", "kafka.properties.max.poll.interval.ms", "60000")))
                .hasMessageContaining("kafka.properties.max.poll.interval.ms (60000 ms");
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of(
                        "poll.initial-interval",
                        "10m",
                        "poll.max-interval",
                        "1m",
                        "poll.retry.initial-backoff",
                        "5m",
                        "poll.retry.max-backoff",
                        "1m")))
                .hasMessageContaining("poll.max-interval (1m) must be >= poll.initial-interval (10m)")
                .hasMessageContaining("poll.retry.max-backoff (1m) must be >= poll.retry.initial-backoff (5m)");
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("kafka.properties.max.poll.interval.ms", "120000")))
                .as("a revocation (shutdown timeout) and an assignment's read of genai.jobs (up to 2 min) in one poll")
                .hasMessageContaining("submit.shutdown-timeout (30s) + submit.jobs-read-timeout (2m)");
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("kafka.properties.max.poll.interval.ms", "soon")))
                .hasMessageContaining("kafka.properties.max.poll.interval.ms");
        assertThat(GenAiBatchConfig.of(Map.of(
                                "submit.shutdown-timeout", "6m", "kafka.properties.max.poll.interval.ms", "600000"))
                        .get(ConfigKeys.SUBMIT_SHUTDOWN_TIMEOUT))
                .isEqualTo(Duration.ofMinutes(6));
    }

    @Test
    void shouldUseDocumentedDefaultsWhenNothingIsSet() {
        GenAiBatchConfig config = GenAiBatchConfig.defaults();

        assertThat(config.get(ConfigKeys.BOOTSTRAP_SERVERS)).isEqualTo("localhost:9092");
        assertThat(config.get(ConfigKeys.TOPIC_RETENTION)).isEqualTo(Duration.ofDays(7));
        assertThat(config.get(ConfigKeys.VALUE_FORMAT)).isEqualTo("avro");
        assertThat(config.find(ConfigKeys.GEMINI_BASE_URL)).isEmpty();
        assertThat(config.sourceOf(ConfigKeys.TOPIC_PARTITIONS)).isEqualTo("default");
    }

    @Test
    void shouldReadNestedAndDottedYamlAndLetFlagsWin(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, """
                kafka:
                  bootstrap-servers: broker:9092
                  properties:
                    security.protocol: SASL_SSL
                topics.partitions: 12
                topics:
                  retention: 14d
                """);

        GenAiBatchConfig config = GenAiBatchConfig.load(file, Map.of("topics.partitions", "3"));

        assertThat(config.get(ConfigKeys.BOOTSTRAP_SERVERS)).isEqualTo("broker:9092");
        assertThat(config.sourceOf(ConfigKeys.BOOTSTRAP_SERVERS)).isEqualTo(file.toString());
        assertThat(config.get(ConfigKeys.TOPIC_PARTITIONS)).isEqualTo(3);
        assertThat(config.sourceOf(ConfigKeys.TOPIC_PARTITIONS)).isEqualTo("command line");
        assertThat(config.get(ConfigKeys.TOPIC_RETENTION)).isEqualTo(Duration.ofDays(14));
        assertThat(config.kafkaProperties()).containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void shouldNameKeyValueAndAllowedRangeForEveryBadValue() {
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of(
                        "topics.partitions", "0",
                        "topics.retention", "soon",
                        "serde.value-format", "xml")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(3))
                .hasMessageContaining("'topics.partitions' has invalid value '0': must be between 1 and 10000")
                .hasMessageContaining("'topics.retention' has invalid value 'soon': expected a duration")
                .hasMessageContaining("'serde.value-format' has invalid value 'xml': must be one of avro, json");
    }

    @Test
    void shouldReadAllowedModelsAsAListAndRefuseAnEmptyOrMalformedOne() {
        assertThat(GenAiBatchConfig.of(Map.of("models.allowed", "gemini-*, models/my-model"))
                        .get(ConfigKeys.MODELS_ALLOWED))
                .containsExactly("gemini-*", "models/my-model");
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("models.allowed", " , ")))
                .hasMessageContaining("'models.allowed'")
                .hasMessageContaining("at least one model pattern");
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("models.allowed", "gemini 2.5")))
                .hasMessageContaining("'gemini 2.5' is not a model pattern");
    }

    @Test
    void shouldRefuseUnknownKeyAndSuggestTheClosestOne() {
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("topics.partition", "3")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown config key 'topics.partition' (did you mean 'topics.partitions'?)");
    }

    @Test
    void shouldSayWhenTheConfigFileIsMissingOrNotYaml(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> GenAiBatchConfig.load(dir.resolve("nope.yaml"), Map.of()))
                .hasMessageContaining("nope.yaml does not exist");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "kafka: [unclosed");
        assertThatThrownBy(() -> GenAiBatchConfig.load(bad, Map.of())).hasMessageContaining("is not valid YAML");
    }

    @Test
    void shouldParseDurationsAndSizesAsUsersWriteThem() {
        assertThat(ConfigType.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ConfigType.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(ConfigType.parseDuration("PT48H")).isEqualTo(Duration.ofHours(48));
        assertThat(ConfigType.parseSize("20MB")).isEqualTo(20_000_000L);
        assertThat(ConfigType.parseSize("2GiB")).isEqualTo(2L << 30);
        assertThat(ConfigType.parseSize("1024")).isEqualTo(1024L);
        assertThat(ConfigType.format(Duration.ofMinutes(10))).isEqualTo("10m");
        assertThatThrownBy(() -> ConfigType.parseSize("big")).hasMessageContaining("expected a size");
    }

    @Test
    void shouldKeepDocsAndShippedYamlInStepWithTheDeclaredKeys() throws Exception {
        Path root = Path.of(System.getProperty("user.dir"));
        assertThat(Files.readString(root.resolve("docs/CONFIG.md")))
                .as("docs/CONFIG.md is generated: run `bin/genai-batch config docs > docs/CONFIG.md`")
                .isEqualTo(ConfigDocs.markdown());
        Path shipped = root.resolve("config/genai-batch.yaml");
        GenAiBatchConfig config = GenAiBatchConfig.load(shipped, Map.of());
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            if (key.defaultValue() != null) {
                assertThat(config.sourceOf(key))
                        .as("config/genai-batch.yaml sets %s", key.name())
                        .isEqualTo(shipped.toString());
                assertThat(config.get(key))
                        .as("config/genai-batch.yaml shows the default of %s", key.name())
                        .isEqualTo(key.defaultValue());
            }
        }
    }

    @Test
    void shouldReadPerModelWindowSettingsWithTheSameValidators(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, """
                window:
                  max-requests: 5000
                  models:
                    gemini-2.5-flash:
                      max-requests: 2000
                      max-wait: 2m
                    models/gemini-embedding-001:
                      enabled: false
                """);

        GenAiBatchConfig config = GenAiBatchConfig.load(file, Map.of("window.models.gemini-2.5-pro.shards", "4"));

        assertThat(config.get(ConfigKeys.WINDOW_MAX_REQUESTS)).isEqualTo(5000);
        assertThat(config.windowModels())
                .containsExactly("gemini-2.5-flash", "gemini-2.5-pro", "models/gemini-embedding-001");
        assertThat(config.findForModel("gemini-2.5-flash", ConfigKeys.WINDOW_MAX_WAIT))
                .contains(Duration.ofMinutes(2));
        assertThat(config.findForModel("gemini-2.5-flash", ConfigKeys.WINDOW_MAX_BYTES))
                .isEmpty();
        assertThat(config.findForModel("models/gemini-embedding-001", ConfigKeys.WINDOW_ENABLED))
                .contains(false);
        assertThat(config.sourceOf("gemini-2.5-pro", ConfigKeys.WINDOW_SHARDS)).isEqualTo("command line");
        assertThat(config.sourceOf("gemini-2.5-flash", ConfigKeys.WINDOW_MAX_REQUESTS))
                .isEqualTo(file.toString());
    }

    @Test
    void shouldRefuseWindowLimitsBeyondTheApiWhereverTheyAreSet() {
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of(
                        "window.max-bytes", "3GB",
                        "window.models.gemini-2.5-flash.max-wait", "49h",
                        "window.models.gemini-2.5-flash.max-requests", "0",
                        "window.models.gemini-2.5-flash.max-tokens", "5",
                        "window.models.max-wait", "1m")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(5))
                .hasMessageContaining("'window.max-bytes' has invalid value '3GB': must be between 1 and 2GB")
                .hasMessageContaining(
                        "'window.models.gemini-2.5-flash.max-wait' has invalid value '49h': must be more than 0 and at most 48h")
                .hasMessageContaining(
                        "'window.models.gemini-2.5-flash.max-requests' has invalid value '0': must be at least 1")
                .hasMessageContaining("unknown config key 'window.models.gemini-2.5-flash.max-tokens'")
                .hasMessageContaining("unknown config key 'window.models.max-wait'");
    }
}
