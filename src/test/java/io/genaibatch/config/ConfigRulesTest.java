package io.genaibatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checks across keys that hold for the roles' behaviour, refused when the configuration loads. */
class ConfigRulesTest {

    @Test
    void shouldRefuseAGeminiCallWithItsRetriesThatCanOutlastThePollersPollInterval() {
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("gemini.retry.max-elapsed", "7m")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gemini.retry.max-elapsed (7m) + gemini.request-timeout (2m) must be shorter "
                        + "than poll.max-poll-interval (8m)");
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("kafka.properties.max.poll.interval.ms", "400000")))
                .as("kafka.properties.max.poll.interval.ms, when set, is the poller's interval too")
                .hasMessageContaining("must be shorter than kafka.properties.max.poll.interval.ms (400000 ms)");
        assertThat(GenAiBatchConfig.of(Map.of("gemini.retry.max-elapsed", "7m", "poll.max-poll-interval", "10m"))
                        .get(ConfigKeys.POLL_MAX_POLL_INTERVAL))
                .isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void shouldRefuseAJobsReadTimeoutThatAnOpenTransactionCanOutlast() {
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("submit.jobs-read-timeout", "30s")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("submit.jobs-read-timeout (30s) must be longer than "
                        + "kafka.properties.transaction.timeout.ms (60000 ms, Kafka's default)");
        assertThat(GenAiBatchConfig.of(Map.of(
                                "submit.jobs-read-timeout", "30s", "kafka.properties.transaction.timeout.ms", "20000"))
                        .get(ConfigKeys.SUBMIT_JOBS_READ_TIMEOUT))
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void shouldCountTheTombstoneBudgetInTheSubmittersRebalanceWithoutPolling() {
        // One rebalance may wait 30s for creates already sent, read genai.jobs for up to 2m without progress, then
        // tombstone finished history for up to 30s, all without polling: 3m reaches a 3 min poll interval.
        Map<String, String> threeMinutes = Map.of(
                "kafka.properties.max.poll.interval.ms",
                "180000",
                "gemini.retry.max-elapsed",
                "1m",
                "gemini.request-timeout",
                "1m");
        assertThatThrownBy(() -> GenAiBatchConfig.of(threeMinutes))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("submit.shutdown-timeout (30s) + submit.jobs-read-timeout (2m) + "
                        + "submit.tombstone-budget (30s) must be shorter than kafka.properties.max.poll.interval.ms "
                        + "(180000 ms)");
        Map<String, String> lessTombstoning = new java.util.HashMap<>(threeMinutes);
        lessTombstoning.put("submit.tombstone-budget", "20s");
        assertThat(GenAiBatchConfig.of(lessTombstoning).get(ConfigKeys.SUBMIT_TOMBSTONE_BUDGET))
                .isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void shouldRefuseAnApiVersionTheGeminiClientWouldRefuse() {
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("gemini.api-version", "latest")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gemini.api-version")
                .hasMessageContaining("v1 or v1beta");
        assertThat(GenAiBatchConfig.of(Map.of("gemini.api-version", "v1")).get(ConfigKeys.GEMINI_API_VERSION))
                .isEqualTo("v1");
    }

    @Test
    void shouldRefuseABaseUrlThatIsNotHttpOrHttps() {
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("gemini.base-url", "ftp://example.com/gemini")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gemini.base-url")
                .hasMessageContaining("http(s)://host");
    }

    @Test
    void shouldRefusePlainHttpToAHostThatIsNotLoopbackUnlessInsecureHttpIsAllowed() {
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("gemini.base-url", "http://example.com:8089")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'http://example.com:8089' is plain http to a host that is not loopback")
                .hasMessageContaining("gemini.allow-insecure-http");
        assertThat(GenAiBatchConfig.of(Map.of(
                                "gemini.base-url", "http://example.com:8089", "gemini.allow-insecure-http", "true"))
                        .find(ConfigKeys.GEMINI_BASE_URL))
                .contains("http://example.com:8089");
        assertThat(GenAiBatchConfig.of(Map.of("gemini.base-url", "http://127.0.0.1:8089"))
                        .find(ConfigKeys.GEMINI_BASE_URL))
                .contains("http://127.0.0.1:8089");
    }

    @Test
    void shouldRefuseAPricesFileThatCannotBeRead(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        String missing = dir.resolve("no-such-prices.yaml").toString();
        assertThatThrownBy(() -> GenAiBatchConfig.of(Map.of("cost.prices-file", missing)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cost.prices-file '" + missing + "'");
    }

    @Test
    void shouldDeclareTheTunablesWithTheValuesTheRolesUsedBefore() {
        GenAiBatchConfig config = GenAiBatchConfig.defaults();

        assertThat(config.get(ConfigKeys.POLL_MAX_POLL_INTERVAL)).isEqualTo(Duration.ofMinutes(8));
        assertThat(config.get(ConfigKeys.ACCUMULATE_CLOSE_TIMEOUT)).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.get(ConfigKeys.ACCUMULATE_PRODUCER_BATCH_SIZE)).isEqualTo(256L * 1024);
        assertThat(config.get(ConfigKeys.ACCUMULATE_PRODUCER_LINGER)).isEqualTo(Duration.ofMillis(5));
        assertThat(config.get(ConfigKeys.ACCUMULATE_TRANSACTION_TIMEOUT)).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.get(ConfigKeys.SUBMIT_RANGE_READ_TIMEOUT)).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.get(ConfigKeys.SUBMIT_TOMBSTONE_BUDGET)).isEqualTo(Duration.ofSeconds(30));
    }
}
